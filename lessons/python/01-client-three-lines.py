#!/usr/bin/env python3
"""Lesson 01, the fix: every message ends with b"\\n", so the receiver can find it.
第 01 课的正解：每条消息以 b"\\n" 结尾，接收方就能找出它。

Still three send() calls, and they still arrive stuck together; but now the bytes say
where each message ends. (A message must not contain a newline itself — for any bytes at
all, use a length prefix instead: lesson 05.)

  python3 01-client-three-lines.py            against 01-server-lines.py
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
    # 正解：把边界写进字节里——每条消息末尾加一个换行符
    client.sendall(word + b"\n")
    print("sent %r" % (word + b"\n"))
# 告诉对方"我不再发了"：服务端的读取器会看到数据流结束
client.shutdown(socket.SHUT_WR)  # "I will send no more": the server's reader sees the end
client.recv(1024)                # wait until the server has read everything and closed
client.close()
