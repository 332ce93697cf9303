#!/usr/bin/env python3
"""Lesson 02 (拆包, 半包), the client: one send() of b"helloworldegon", then big messages.
第 02 课（拆包、半包）客户端：一次 send() 发出 b"helloworldegon"，再发几条大消息。

It speaks the bytes of our demo 02: after the word it waits for the server's b"next",
sends 256 KiB and then 64 KiB (one sendall() each), waits for b"go", sends 256 KiB
again, and waits for b"done".

  python3 02-client-one-send.py               against 02-server-recv-sizes.py,
                                              or: build/bin/02-short-read --role server
"""
import argparse
import socket

SMALL = 64 * 1024
BIG = 256 * 1024


def pattern(n, first):
    """The demo's payload: first, first+1, ... around the alphabet."""
    return bytes(ord(first) + i % 26 for i in range(n))


# 恰好读 n 个字节；对方提前关闭就抛 EOFError，绝不死循环
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
client.sendall(pattern(BIG, "a"))
client.sendall(pattern(SMALL, "a"))
print("sent %d bytes, then %d bytes" % (BIG, SMALL))
recv_exact(client, 2)  # b"go": the server is in recv_exact
client.sendall(pattern(BIG, "A"))
print("sent %d bytes again" % BIG)
print("server says %r" % recv_exact(client, 4))
client.close()
