#!/usr/bin/env python3
"""Drives headless Chromium through the phone's Web UI over the Chrome DevTools Protocol.

Used by run_browser_test.cpp. Starts Chromium trusting exactly the phone's HTTPS key (SPKI pin),
answers the Basic-auth challenge through Fetch.authRequired (a real 401 login, not credentials in
the URL), presses keys by clicking the page's own form buttons, and prints one line per step:
  STEP <name> <visible text, lines joined by ' | '>
  SHOT <file>
Exit status 0 when every step saw what it waited for; 1 with a message on stderr otherwise.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # python3-websocket


class Cdp:
    def __init__(self, ws_url, user, password):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.user = user
        self.password = password

    def _handle(self, msg):
        method = msg.get("method")
        params = msg.get("params", {})
        if method == "Fetch.requestPaused":
            self.send("Fetch.continueRequest", {"requestId": params["requestId"]}, wait=False)
        elif method == "Fetch.authRequired":
            self.send("Fetch.continueWithAuth", {
                "requestId": params["requestId"],
                "authChallengeResponse": {"response": "ProvideCredentials", "username": self.user,
                                          "password": self.password}}, wait=False)
        elif method:
            self.events.append(msg)

    def send(self, method, params=None, wait=True):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params or {}}))
        if not wait:
            return None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._handle(msg)
        raise RuntimeError(f"{method}: no answer within 30 s")

    def wait_event(self, name, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == name:
                    del self.events[i]
                    return e
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.ws.settimeout(left)
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                return None
            finally:
                self.ws.settimeout(30)
            self._handle(msg)

    def text(self):
        r = self.send("Runtime.evaluate", {"expression": "document.body ? document.body.innerText : ''",
                                           "returnByValue": True})
        return r["result"].get("value", "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="https://127.0.0.1:PORT of the phone")
    ap.add_argument("--spki", required=True, help="base64 SHA-256 of the phone certificate's public key")
    ap.add_argument("--out", required=True, help="directory for the screenshots")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="22222")
    ap.add_argument("--idle-title", required=True)
    ap.add_argument("--page-text", required=True, help="text of the page softkey1 loads")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="phone-browser-")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium is not installed (scripts/install-deps.sh installs it)", file=sys.stderr)
        return 1
    # --no-sandbox: the tests run as root in a container, where Chromium's sandbox cannot start
    # (it needs user namespaces or a setuid helper); the browser only visits the test's own phone.
    # The SPKI list needs --user-data-dir to take effect; it trusts exactly the phone's key.
    proc = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-extensions", "--disable-background-networking",
                             f"--user-data-dir={profile}", "--remote-debugging-port=0",
                             "--remote-allow-origins=*", f"--ignore-certificate-errors-spki-list={args.spki}",
                             "--window-size=900,1000", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shots = 0
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + 60
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                print("chromium did not start its DevTools endpoint", file=sys.stderr)
                return 1
            time.sleep(0.1)
        port = int(open(port_file).read().split()[0])
        targets = []
        while not targets and time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = [t for t in json.load(r) if t.get("type") == "page"]
            if not targets:
                time.sleep(0.1)
        cdp = Cdp(targets[0]["webSocketDebuggerUrl"], args.user, args.password)
        cdp.send("Page.enable")
        cdp.send("Fetch.enable", {"handleAuthRequests": True, "patterns": [{"urlPattern": "*"}]})

        def shot(name):
            nonlocal shots
            shots += 1
            data = cdp.send("Page.captureScreenshot", {"format": "png"})["data"]
            path = os.path.join(args.out, f"{shots:02d}-{name}.png")
            with open(path, "wb") as f:
                f.write(base64.b64decode(data))
            print("SHOT", path, flush=True)

        def step(name, text):
            print("STEP", name, " | ".join(line for line in text.splitlines() if line.strip()), flush=True)

        def load(timeout=20):
            if cdp.wait_event("Page.loadEventFired", timeout) is None:
                raise RuntimeError("no page load within %d s" % timeout)

        def until(predicate, what, timeout=20):
            # The phone page refreshes itself every second while loading.
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                text = cdp.text()
                if predicate(text):
                    return text
                cdp.wait_event("Page.loadEventFired", 1.5)
            raise RuntimeError(f"never saw {what}; last text: {cdp.text()!r}")

        def press(key):
            cdp.send("Runtime.evaluate", {"expression":
                     f"document.querySelector('button[name=key][value=\"{key}\"]').click()"})
            load()

        cdp.send("Page.navigate", {"url": args.url + "/phone.html"})
        load()
        text = cdp.text()
        step("idle", text)
        shot("idle")
        if args.idle_title not in text:
            raise RuntimeError("the phone page did not show the idle screen")

        press("softkey1")
        text = cdp.text()
        step("loading", text)
        shot("loading")
        text = until(lambda t: args.page_text in t, "the page softkey1 loads")
        step("page", text)
        shot("page")

        press("goodbye")
        press("softkey2")
        text = until(lambda t: "Loading Page" in t, "Loading Page for softkey2", 10)
        step("slow-loading", text)
        shot("slow-loading")
        press("goodbye")
        text = until(lambda t: "Loading Page" not in t and args.idle_title in t, "the idle screen again", 10)
        step("after-goodbye", text)
        shot("after-goodbye")
        return 0
    except Exception as e:  # reported to the C++ test through stderr and the exit status
        print(f"browser test: {e}", file=sys.stderr)
        return 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
