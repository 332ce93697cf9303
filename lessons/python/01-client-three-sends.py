#!/usr/bin/env python3
"""Lesson 01 (粘包), the client: three send() calls, b"hello", b"world", b"egon".
第 01 课（粘包）客户端：三次 send()，分别发 b"hello"、b"world"、b"egon"。

Against a server that reads late, the three arrive in one recv(1024). Nothing is lost and
nothing is wrong: TCP is a stream of bytes and never promised to keep the calls apart.

  python3 01-client-three-sends.py            against 01-server-late-reader.py,
                                              or: build/bin/01-nagle-merge --role server
"""
import argparse
import socket

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9001, help="server port (default: %(default)s)")
args = parser.parse_args()

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((args.host, args.port))
for word in (b"hello", b"world", b"egon"):
    # 三次 send()：TCP 只保证字节的顺序，不保留每次调用的边界
    client.send(word)
    print("sent %r" % word)
# "我不再发了"：服务端的 recv() 随后返回 b""
client.shutdown(socket.SHUT_WR)  # "I will send no more": the server's recv() returns b""
client.recv(1024)                # wait until the server has read everything and closed
client.close()
