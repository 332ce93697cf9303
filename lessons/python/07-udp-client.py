#!/usr/bin/env python3
"""Lesson 07, the UDP client: three datagrams back to back, one of 3000 bytes, one empty.
第 07 课 UDP 客户端：连发三个数据报，一个 3000 字节的，一个空的。

The three come back as three answers, never merged. The 3000-byte one comes back as
however much the server's buffer kept (1024 bytes from the classic server). The empty one
is a real message of 0 bytes — on TCP, b"" would have meant "closed".
A timeout on every read: UDP does not resend a lost datagram, so a reply may never come.

  python3 07-udp-client.py                    against 07-udp-server-upper.py,
                                              or: build/bin/07-udp-boundaries --role server
"""
import argparse
import socket
import sys

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9007, help="server port (default: %(default)s)")
args = parser.parse_args()
server = (args.host, args.port)

client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# UDP 丢了的数据报不会重发，回复可能永远不来：所以每次读都要有超时
client.settimeout(2)
try:
    for word in (b"hello", b"world", b"egon"):
        client.sendto(word, server)
    for _ in range(3):
        data, _ = client.recvfrom(1024)
        print("reply: %r" % data)
    client.sendto(b"x" * 3000, server)
    data, _ = client.recvfrom(4096)
    print("sent 3000 bytes, the reply has %d" % len(data))
    client.sendto(b"", server)
    data, _ = client.recvfrom(1024)
    print("sent an empty datagram, the reply has %d bytes: %r" % (len(data), data))
except socket.timeout:
    sys.exit("no reply within 2 s: a datagram was lost, or nobody is listening")
finally:
    client.close()
