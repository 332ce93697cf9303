#!/usr/bin/env python3
"""Lesson 01, the fix: messages end with b"\\n", and the server reads line by line.
第 01 课的正解：消息以 b"\\n" 结尾，服务端一行一行地读。

However the bytes arrive — three messages in one recv, or one message in three — the
server finds each message by its newline. conn.makefile("rb") wraps the socket in a
buffered reader whose readline() calls recv() as often as it needs and keeps what is left
over for the next line.

  python3 01-server-lines.py                  then: python3 01-client-three-lines.py
"""
import argparse
import socket
import sys
import time

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9001, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--late", type=float, default=0.1, help="seconds busy before reading (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="serve one connection, then exit")
args = parser.parse_args()

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl-C
server.bind((args.host, args.port))
server.listen(5)
print("listening on %s:%d" % server.getsockname()[:2], flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn, conn.makefile("rb") as reader:
            time.sleep(args.late)  # as late as the classic server: it makes no difference now
            # makefile() 的读取器按需调用 recv()，多读到的部分留给下一行
            for line in reader:  # one complete line at a time, until the client closes
                if not line.endswith(b"\n"):
                    print("the stream ended inside a message: %r (no newline)" % line)
                    break
                print("message: %r" % line.rstrip(b"\n"))
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
