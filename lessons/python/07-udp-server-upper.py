#!/usr/bin/env python3
"""Lesson 07, the classic UDP echo-upper server: each datagram in, the same bytes upper-cased out.
第 07 课经典的 UDP 转大写回显服务端：收一个数据报，转成大写发回去。

UDP keeps boundaries: every recvfrom() takes exactly one datagram, never two stuck
together. But a datagram longer than the buffer is cut, and the rest is gone for good
(the next read is the next datagram). recvmsg() is recvfrom() plus flags, so this server
can say when that happened (MSG_TRUNC). --bufsize 65535 never truncates: the fix.

  python3 07-udp-server-upper.py              then: python3 07-udp-client.py
                                              or:   build/bin/07-udp-boundaries --role client
"""
import argparse
import socket
import sys

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9007, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="answer one datagram, then exit")
parser.add_argument("--bufsize", type=int, default=1024, help="bytes per recvfrom (default: %(default)s)")
args = parser.parse_args()

server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind((args.host, args.port))
print("listening on %s:%d" % server.getsockname()[:2], flush=True)

try:
    while True:
        # 一次取一个完整的数据报；缓冲区太小就截断，剩下的丢掉（MSG_TRUNC）
        data, _, flags, addr = server.recvmsg(args.bufsize)  # one datagram, whole or cut
        cut = " — TRUNCATED: the rest of this datagram is gone" if flags & socket.MSG_TRUNC else ""
        print("from %s:%d: %d bytes%s" % (addr[0], addr[1], len(data), cut))
        server.sendto(data.upper(), addr)  # an empty datagram gets an empty answer: it is a message too
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
