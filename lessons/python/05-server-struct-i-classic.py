#!/usr/bin/env python3
"""Lesson 05, the classic struct version, as the lessons write it: struct.pack("i", len(res)).

It works on one machine, and it is what many programs in the wild speak, so our fixed
programs and demos can speak it too (--python-i, with --classic or --unframed-commands for
its unframed commands). Its weak points, kept on purpose:
- "i" is native: little-endian, 4 bytes, signed on x86 — another machine may disagree;
- the header and the body go out in two send() calls: the 40 ms stall of lesson 06;
- commands are not framed: each is whatever one recv(1024) returns.

  python3 05-server-struct-i-classic.py       then: python3 05-client-struct-i-classic.py
                                              or:   build/bin/05-struct-prefix --role client --classic --python-i
"""
import argparse
import socket
import struct
import sys

from builtin_commands import run_command  # the allow-list: never a shell (see that file)

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9005, help="port; 0 lets the OS pick (default: %(default)s)")
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
            try:
                while True:
                    cmd = conn.recv(1024)
                    if not cmd:
                        break  # the client closed
                    res = run_command(cmd.decode("utf-8", errors="replace"))
                    conn.send(struct.pack("i", len(res)))  # 4 bytes, the machine's byte order
                    conn.sendall(res)                      # a second call: see lesson 06
            except ConnectionResetError:
                pass  # the client vanished: serve the next one
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
