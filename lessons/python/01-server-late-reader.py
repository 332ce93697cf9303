#!/usr/bin/env python3
"""Lesson 01 (粘包), the server: it is busy for a moment, then calls recv(1024).
第 01 课（粘包）服务端：先忙一会儿，再调用 recv(1024)——三次 send 的数据一次就读到了。

The client sends b"hello", b"world" and b"egon" with three send() calls. By the time this
server reads, all three are waiting in its receive buffer, and one recv(1024) returns
all 14 bytes: b"helloworldegon". TCP keeps bytes in order, not the send() calls.

  python3 01-server-late-reader.py            then, in another terminal:
  python3 01-client-three-sends.py            or: build/bin/01-nagle-merge --role client
"""
import argparse
import socket
import sys
import time

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9001, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--late", type=float, default=0.1, help="seconds busy before recv (default: %(default)s)")
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
        with conn:
            # 读得晚：这段时间里客户端的三次 send 都已到达接收缓冲区
            time.sleep(args.late)  # busy with something else: the client's sends arrive meanwhile
            while True:
                data = conn.recv(1024)
                # recv() 返回 b"" 表示对方已关闭，不会再有数据
                if not data:  # b"" means the client closed: there will be nothing more
                    break
                print("recv(1024) returned %d bytes: %r" % (len(data), data))
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
