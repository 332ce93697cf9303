#!/usr/bin/env python3
"""Lesson 11, the server: an answer whose text a recv(1024) will cut inside a character.
第 11 课服务端：发一段文本，recv(1024) 会正好把其中一个字符切开。

Each client gets one framed answer — a 4-byte length header, then the text — and the
connection closes. The text is 1,023 bytes of ASCII, then 执行成功 ("it worked"): 12 bytes
in UTF-8, 8 in GBK (--encoding gbk: what a Chinese Windows command prompt prints). A client
that reads the body with recv(1024) gets 1,023 ASCII bytes plus the first byte of 执.

  python3 11-server-text.py                   then one of:
  python3 11-client-decode-each-recv.py       the mistake: UnicodeDecodeError
  python3 11-client-decode-after-framing.py   the fix: decode the whole message
  python3 11-client-incremental.py            the other fix: an incremental decoder
Our demo speaks the same bytes: build/bin/11-text-cut --role client (or --role server).
"""
import argparse
import socket
import struct
import sys

LOREM = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua. ")

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9011, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="serve one connection, then exit")
parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8", help="default: %(default)s")
parser.add_argument("--python-i", action="store_true", help="header as struct.pack('i'): little-endian, signed")
args = parser.parse_args()
HEADER = struct.Struct("<i" if args.python_i else "!I")

text = (LOREM * 9)[:1022] + "\n" + "执行成功\n"
body = text.encode(args.encoding)

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl-C
server.bind((args.host, args.port))
server.listen(5)
print("listening on %s:%d" % server.getsockname()[:2], flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn:
            conn.sendall(HEADER.pack(len(body)) + body)  # header and body in one write
        print("sent %d bytes of %s text to %s:%d" % (len(body), args.encoding, addr[0], addr[1]))
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
