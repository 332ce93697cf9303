#!/usr/bin/env python3
"""Lesson 11, the fix: read the whole message by its length, then decode it once.
第 11 课的正解：按长度把整条消息读完，再一次性解码。

However recv() cuts the bytes, the message is whole when decode() sees it, so every
character is whole too. The length is checked against a maximum before anything is read.

  python3 11-client-decode-after-framing.py   against 11-server-text.py,
                                              or: build/bin/11-text-cut --role server
"""
import argparse
import socket
import struct
import sys


def recv_exact(sock, n):
    """Exactly n bytes. Raises EOFError if the stream ends first: never loops forever."""
    data = bytearray()
    while len(data) < n:
        piece = sock.recv(min(n - len(data), 1024))
        if not piece:
            raise EOFError("the server closed after %d of %d bytes" % (len(data), n))
        data += piece
    return bytes(data)


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9011, help="server port (default: %(default)s)")
parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8", help="default: %(default)s")
parser.add_argument("--python-i", action="store_true", help="header as struct.pack('i'): little-endian, signed")
parser.add_argument("--max-length", type=int, default=16 << 20, help="largest answer accepted (default: %(default)s)")
args = parser.parse_args()
HEADER = struct.Struct("<i" if args.python_i else "!I")

client = socket.create_connection((args.host, args.port), timeout=10)
try:
    (length,) = HEADER.unpack(recv_exact(client, HEADER.size))
    if not 0 <= length <= args.max_length:
        sys.exit("error: the server announced %d bytes; the limit is %d" % (length, args.max_length))
    # 和错误示范一样的 recv(1024) 小块……但等全部到齐才解码
    body = recv_exact(client, length)  # the same recv(1024) pieces as the mistake...
    print(body.decode(args.encoding), end="")  # ...but decoded only once they are all here
except EOFError as error:
    sys.exit("error: %s" % error)
finally:
    client.close()
