#!/usr/bin/env python3
"""Lesson 11, the mistake: decoding every recv(1024) as if it were whole text.
第 11 课的错误示范：把每次 recv(1024) 都当成完整的文本来解码。

It reads the length header properly, then prints the answer piece by piece as it comes:
print(data.decode()). The first piece ends with the first byte of 执, so decode() fails:

  UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe6 in position 1023: unexpected end of data

With --errors replace it does not fail; it prints garbage (� in UTF-8, wrong characters in GBK).

  python3 11-client-decode-each-recv.py       against 11-server-text.py,
                                              or: build/bin/11-text-cut --role server
"""
import argparse
import socket
import struct
import sys

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9011, help="server port (default: %(default)s)")
parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8", help="default: %(default)s")
parser.add_argument("--errors", choices=["strict", "replace"], default="strict",
                    help="what decode() does with bytes that are not text (default: %(default)s)")
parser.add_argument("--python-i", action="store_true", help="header as struct.pack('i'): little-endian, signed")
args = parser.parse_args()
HEADER = struct.Struct("<i" if args.python_i else "!I")

client = socket.create_connection((args.host, args.port), timeout=10)
total = HEADER.unpack(client.recv(4))[0]
received = 0
while received < total:
    data = client.recv(1024)
    if not data:
        break  # the server closed early
    received += len(data)
    print("--- recv(1024) returned %d bytes" % len(data), file=sys.stderr)
    # 错误所在：半个字符不是文本，解码会抛 UnicodeDecodeError（或者出乱码）
    print(data.decode(args.encoding, errors=args.errors), end="")  # the mistake: half a character is not text
client.close()
