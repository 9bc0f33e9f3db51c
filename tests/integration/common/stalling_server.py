#!/usr/bin/env python3
"""An HTTP/1.1 server (plain, or TLS with --cert/--key) that misbehaves on purpose, as a peer the
client's time limits are tested against. Prints "port N" once listening and "accepted K" for each
connection accepted; serves until killed.

Modes:
  silent        reads the request and never answers (over TLS: after a complete handshake)
  partial-body  answers 200 with Content-Length: 100 and sends 10 body bytes, then nothing
  keep-alive    answers every request on a connection with 200 and a 5-byte body

After the first request of a connection it prints "data segments N": how many TCP segments with
data the client had sent by then (Linux TCP_INFO), so a test can see how the client packs its
handshake's last flight and its request. --max-tls 1.2 keeps TLS at 1.2.
"""
import argparse
import socket
import struct
import ssl
import sys
import threading
import time


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data


def data_segments_in(conn):
    # struct tcp_info: tcpi_data_segs_in is the u32 at byte 152 (Linux 4.6 and later).
    info = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    return struct.unpack_from("=I", info, 152)[0] if len(info) >= 156 else -1


def serve(conn, mode):
    try:
        first = True
        while True:
            if read_request(conn) is None:
                return
            if first:
                print("data segments", data_segments_in(conn), flush=True)
                first = False
            if mode == "silent":
                while conn.recv(4096):
                    pass
                return
            if mode == "partial-body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
                time.sleep(3600)
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["silent", "partial-body", "keep-alive"])
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--max-tls", choices=["1.2", "1.3"], default="1.3")
    args = parser.parse_args()
    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        if args.max_tls == "1.2":
            context.maximum_version = ssl.TLSVersion.TLSv1_2
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("port", listener.getsockname()[1], flush=True)
    accepted = 0
    while True:
        conn, _ = listener.accept()
        accepted += 1
        print("accepted", accepted, flush=True)
        if context is not None:
            try:
                conn = context.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                continue
        threading.Thread(target=serve, args=(conn, args.mode), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
