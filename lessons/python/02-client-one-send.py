#!/usr/bin/env python3
"""Lesson 02 (拆包, 半包), the client: one send() of b"helloworldegon", then 64 KiB twice.

It speaks the bytes of our demo 02: after the word it waits for the server's b"next",
sends the two big messages, and waits for b"done".

  python3 02-client-one-send.py               against 02-server-recv-sizes.py,
                                              or: build/bin/02-short-read --role server
"""
import argparse
import socket

BIG = 64 * 1024


def recv_exact(sock, n):
    """Exactly n bytes, or EOFError if the peer closes first (never an endless loop)."""
    data = bytearray()
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            raise EOFError("the peer closed after %d of %d bytes" % (len(data), n))
        data += piece
    return bytes(data)


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9002, help="server port (default: %(default)s)")
args = parser.parse_args()

client = socket.create_connection((args.host, args.port))
client.settimeout(10)  # never wait forever on a server that says nothing
client.sendall(b"helloworldegon")
print("sent 14 bytes in one call")
recv_exact(client, 4)  # b"next": the server has done its three small reads
big = bytes(ord("a") + i % 26 for i in range(BIG))
client.sendall(big)
client.sendall(big)
print("sent %d bytes twice" % BIG)
print("server says %r" % recv_exact(client, 4))
client.close()
