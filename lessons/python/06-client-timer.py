#!/usr/bin/env python3
"""Lesson 06, the client: sends b"get", reads a framed answer, and times each round trip.
第 06 课客户端：发送 b"get"，读带报头的回答，给每次往返计时。

Against 06-server-two-writes.py expect about 40 ms per request; against
06-server-one-write.py well under 1 ms. Or against our demo's server:
  build/bin/06-write-write-read --role server --write two      (or: one, writev, nodelay)
"""
import argparse
import socket
import struct
import time


def recv_exact(sock, n):
    """Exactly n bytes, or EOFError if the server closes first (never an endless loop)."""
    data = bytearray()
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            raise EOFError("the server closed after %d of %d bytes" % (len(data), n))
        data += piece
    return bytes(data)


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9006, help="server port (default: %(default)s)")
parser.add_argument("--requests", type=int, default=20, help="how many requests (default: %(default)s)")
args = parser.parse_args()

client = socket.create_connection((args.host, args.port))
client.settimeout(10)
start = time.perf_counter()
for _ in range(args.requests):
    client.sendall(b"get")
    (length,) = struct.unpack("!I", recv_exact(client, 4))
    recv_exact(client, length)
elapsed = time.perf_counter() - start
print("%d requests, %.3f ms per request" % (args.requests, elapsed * 1000 / args.requests))
client.close()
