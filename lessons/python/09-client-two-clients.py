#!/usr/bin/env python3
"""Lesson 09, two clients: does the server answer client 2 while client 1 is still connected?
第 09 课的两个客户端：客户端 1 还连着的时候，服务端会回答客户端 2 吗？

Client 1 connects, says b"hello", gets b"HELLO" and stays. Client 2 says b"world" and
waits half a second. A synchronous server is still inside client 1's handle(), so client 2
gets its answer only after client 1 leaves; a threading or forking server answers at once.

  python3 09-client-two-clients.py            against 09-socketserver-tcp.py --mode sync|threading|forking
                                              or: build/bin/09-socketserver --role server --mode sync
"""
import argparse
import socket

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9009, help="server port (default: %(default)s)")
args = parser.parse_args()
server = (args.host, args.port)

first = socket.create_connection(server, timeout=5)
first.sendall(b"hello")
print("client 1: %r, and it stays connected" % first.recv(1024))

second = socket.create_connection(server, timeout=5)
second.sendall(b"world")
second.settimeout(0.5)
try:
    print("client 2: %r — answered at once, while client 1 is still connected" % second.recv(1024))
except socket.timeout:
    print("client 2: no answer after 0.5 s — the server is still busy with client 1")
    print("client 1 leaves")
    first.close()
    second.settimeout(5)
    print("client 2: %r — answered only now, after client 1 left" % second.recv(1024))
first.close()
second.close()
