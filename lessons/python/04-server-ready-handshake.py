#!/usr/bin/env python3
"""Lesson 04, the classic "fix" for lesson 03: length as text, wait for b"ready", then the body.

For each command the server sends the answer's length as decimal digits (b"1492"), waits
for the client to say b"ready", then sends the answer. It keeps the answers in step — and
costs one more round trip per answer. Its flaw is in the client (see the client's comments).

  python3 04-server-ready-handshake.py        then: python3 04-client-ready-handshake.py
                                              or:   build/bin/04-naive-handshake --role client
"""
import argparse
import socket
import sys

from builtin_commands import run_command  # the allow-list: never a shell (see that file)

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9004, help="port; 0 lets the OS pick (default: %(default)s)")
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
                    conn.send(str(len(res)).encode("utf-8"))  # the length, as text
                    ready = conn.recv(1024)
                    if ready != b"ready":  # out of step, or gone: stop talking to this client
                        print("expected b'ready', got %r; closing this connection" % ready[:40])
                        break
                    conn.sendall(res)
            except ConnectionResetError:
                pass  # the client vanished: serve the next one
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
