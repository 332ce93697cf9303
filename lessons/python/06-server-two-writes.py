#!/usr/bin/env python3
"""Lesson 06, the mistake: the header and the body in two send() calls.
第 06 课的错误示范：报头和正文分两次 send() 发出，每个请求停顿约 40 ms。

Each request gets a 4-byte length header and a 50-byte body. Written as two small sends,
every answer waits about 40 ms: Nagle's algorithm holds the body until the header is
acknowledged, and the client delays that ACK because it has nothing to send until the
body arrives. Measure it with 06-client-timer.py; compare 06-server-one-write.py.

  python3 06-server-two-writes.py             then: python3 06-client-timer.py
  python3 06-server-two-writes.py --nodelay   no stall, but two TCP segments per answer
Our demo's client measures it too: build/bin/06-write-write-read --role client
"""
import argparse
import socket
import struct
import sys

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9006, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="serve one connection, then exit")
parser.add_argument("--nodelay", action="store_true", help="set TCP_NODELAY: Nagle off")
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
            if args.nodelay:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            answers = 0
            while conn.recv(64):  # one request each time; b"" when the client leaves
                # 两次小的写入：Nagle 扣住正文，等报头的 ACK；对方又延迟了这个 ACK
                conn.sendall(header)  # a small segment...
                conn.sendall(body)    # ...and another, held back until the first is ACKed
                answers += 1
            print("answered %d requests" % answers)
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
