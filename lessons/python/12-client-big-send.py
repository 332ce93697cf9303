#!/usr/bin/env python3
"""Lesson 12 (it worked on localhost), a client: one sendall() of 100,000 bytes.

One call, one message — and on a real link the server's reads come one MSS (1448 bytes) at
a time, because that is how the segments arrive. Against 12-server-eager-reader.py, on
loopback or over sticky-link (see that program).
"""
import argparse
import socket

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9012, help="server port (default: %(default)s)")
parser.add_argument("--bytes", type=int, default=100000, help="how many bytes to send (default: %(default)s)")
args = parser.parse_args()

client = socket.create_connection((args.host, args.port), timeout=30)
client.sendall(bytes(97 + i % 26 for i in range(args.bytes)))  # one call: a, b, c, ...
print("sent %d bytes in one sendall(); TCP_MAXSEG here: %d"
      % (args.bytes, client.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)))
client.shutdown(socket.SHUT_WR)  # no more: the server's recv() returns b""
client.recv(1)                   # wait until it has read everything and closed
client.close()
