#!/usr/bin/env python3
"""Lesson 03, the classic remote-command server, with no framing (the mistake).

It reads a command with recv(1024), runs it, and sends back the output as it is. Nothing
in the bytes says where one answer ends, so a client reading recv(1024) falls out of step
as soon as an answer is longer than 1024 bytes (try `seq 400`, then `echo hi`).

It runs built-in commands only (help, seq N, echo TEXT, lorem N, ifconfig): see
builtin_commands.py for why a server must never hand a peer's text to a shell.

  python3 03-server-commands-naive.py         then: python3 03-client-commands-naive.py
                                              or:   build/bin/03-command-desync --role client
"""
import argparse
import socket
import sys

from builtin_commands import run_command  # the allow-list, next to this file

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9003, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="serve one connection, then exit")
args = parser.parse_args()

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl-C
server.bind((args.host, args.port))
server.listen(5)
print("listening on %s:%d" % server.getsockname()[:2], flush=True)

try:
    while True:  # one client at a time, as in the classic lesson
        conn, addr = server.accept()
        print("client %s:%d connected" % addr[:2])
        with conn:
            while True:
                try:
                    cmd = conn.recv(1024)  # a short command arrives whole: the client waits for each answer
                except ConnectionResetError:
                    break  # the client vanished: serve the next one
                if not cmd:
                    break  # the client closed
                res = run_command(cmd.decode("utf-8", errors="replace"))
                conn.sendall(res)  # the whole answer, and nothing to say where it ends
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
