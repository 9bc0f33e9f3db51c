#!/usr/bin/env python3
"""Precomputes Digest Authorization headers for bench/wrk_report.lua.

Fetches K fresh nonces from real 401 challenges of a Digest-protected URL (loopback only), then
writes, for N requests, the MD5 `response` of request i = nonce i % K, nc = i // K + 1 (qop=auth,
RFC 7616 section 3.4.1). The file layout is described in wrk_report.lua.
"""
import argparse
import hashlib
import http.client
import re
import sys
import urllib.parse

PARAM = re.compile(r'\s*([A-Za-z0-9_*-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]+)\s*,?')


def parse_challenge(value):
    if not value.lower().startswith("digest "):
        raise ValueError("not a Digest challenge: " + value)
    params = {}
    rest = value[7:]
    pos = 0
    while pos < len(rest):
        m = PARAM.match(rest, pos)
        if not m:
            break
        params[m.group(1).lower()] = m.group(3) if m.group(3) is not None else m.group(2)
        pos = m.end()
    return params


def fetch_challenge(url):
    u = urllib.parse.urlsplit(url)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("digest_headers.py: refusing a non-loopback URL: " + url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    conn.request("GET", u.path)
    r = conn.getresponse()
    r.read()
    conn.close()
    if r.status != 401:
        raise SystemExit(f"digest_headers.py: expected 401 from {url}, got {r.status}")
    for name, value in r.getheaders():
        if name.lower() == "www-authenticate" and value.lower().startswith("digest "):
            return parse_challenge(value)
    raise SystemExit("digest_headers.py: 401 without a Digest challenge")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--nonces", type=int, default=16)
    ap.add_argument("--user", default="aastra")
    ap.add_argument("--password", default="aastra")
    ap.add_argument("--cnonce", default="0a4f113b")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    path = urllib.parse.urlsplit(a.url).path
    challenges = [fetch_challenge(a.url) for _ in range(a.nonces)]
    first = challenges[0]
    algorithm = first.get("algorithm", "MD5")
    if algorithm.upper() != "MD5":
        raise SystemExit("digest_headers.py: the bench config must offer MD5, got " + algorithm)
    if "auth" not in [q.strip() for q in first.get("qop", "").split(",")]:
        raise SystemExit("digest_headers.py: the bench config must offer qop=auth")
    realm = first["realm"]
    opaque = first.get("opaque")
    ha1 = hashlib.md5(f"{a.user}:{realm}:{a.password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"GET:{path}".encode()).hexdigest()

    k = len(challenges)
    prefixes = []
    for c in challenges:
        p = (f'Digest username="{a.user}", realm="{realm}", nonce="{c["nonce"]}", uri="{path}", '
             f'algorithm=MD5, qop=auth, cnonce="{a.cnonce}", ')
        if opaque is not None:
            p += f'opaque="{opaque}", '
        prefixes.append(p + "nc=")
    suffix = ', response="'

    md5 = hashlib.md5
    pre = [f"{ha1}:{c['nonce']}:".encode() for c in challenges]
    post = f":{a.cnonce}:auth:{ha2}".encode()
    out = bytearray()
    for i in range(a.count):
        j = i % k
        out += md5(pre[j] + b"%08x" % (i // k + 1) + post).hexdigest().encode()
    with open(a.out, "wb") as f:
        f.write(f"{k} {a.count}\n".encode())
        for p in prefixes:
            f.write(p.encode() + b"\n")
        f.write(suffix.encode() + b"\n")
        f.write(bytes(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
