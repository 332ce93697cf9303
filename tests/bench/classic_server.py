#!/usr/bin/env python3
"""The struct-prefix server of the classic Python lessons, for `make bench` to compare with:
one thread per client, the command read with recv(1024), the answer sent as
conn.sendall(struct.pack('i', len(ret)) + ret)."""
import socket
import struct
import sys
import threading


def serve(conn):
    with conn:
        while True:
            cmd = conn.recv(1024)
            if not cmd:
                return
            ret = cmd.upper()
            conn.sendall(struct.pack("i", len(ret)) + ret)


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    print("listening on 127.0.0.1:%d" % server.getsockname()[1], flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
