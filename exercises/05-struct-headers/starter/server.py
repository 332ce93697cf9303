# @task@
import socket
import struct
import sys

from builtin_commands import run_command  # the allow-list: never a shell

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9005  # sticky-learn gives the port

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once
server.bind(("127.0.0.1", PORT))
server.listen(5)
print("listening on 127.0.0.1:%d" % PORT, flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn:
            while True:
                # TODO 1: the command comes framed too: read a 4-byte "!I" header, then
                # exactly that many bytes (a recv_exact loop). One recv(1024) takes the
                # header as part of the command, and a command over 1024 bytes in pieces.
                # TODO 2: refuse a length over 1 MiB (1 << 20) before reading the body:
                # close the connection. A hostile header can announce 4 GiB.
                # TODO 3: an empty command (a header saying 0) is a command like any
                # other: answer it. Only recv() returning b"" between two commands means
                # the client has closed.
                cmd = conn.recv(1024)
                if not cmd:
                    break  # the client closed
                res = run_command(cmd.decode("utf-8", errors="replace"))
                # TODO 4: struct.pack("i") is the machine's byte order and size; the
                # header here is struct.pack("!I", n): network order, 4 bytes, unsigned.
                # Header and body in one sendall() (two sends stall: lesson 06).
                conn.send(struct.pack("i", len(res)))
                conn.sendall(res)
except KeyboardInterrupt:
    pass
