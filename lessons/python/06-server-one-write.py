#!/usr/bin/env python3
"""Lesson 06, the fix: the header and the body in one call.
第 06 课的正解：报头和正文一次调用发出。

header + body leaves as one TCP segment and nothing waits: about 0.05 ms per request
against 40 ms with two sends. --sendmsg passes the two buffers to one sendmsg() call
(writev in C), which joins them without copying.

  python3 06-server-one-write.py              then: python3 06-client-timer.py
"""
import argparse
import socket
import struct
import sys

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9006, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="serve one connection, then exit")
parser.add_argument("--sendmsg", action="store_true", help="one sendmsg([header, body]) instead of header + body")
args = parser.parse_args()

body = b"b" * 50
header = struct.pack("!I", len(body))

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl-C
server.bind((args.host, args.port))
server.listen(5)
print("listening on %s:%d" % server.getsockname()[:2], flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn:
            answers = 0
            while conn.recv(64):  # one request each time; b"" when the client leaves
                if args.sendmsg:
                    # sendmsg（C 里的 writev）：两块数据一次发出，不用先拷贝到一起
                    conn.sendmsg([header, body])  # 54 bytes: small enough to go in one call
                else:
                    conn.sendall(header + body)
                answers += 1
            print("answered %d requests" % answers)
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
