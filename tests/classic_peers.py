#!/usr/bin/env python3
"""The remote-command client and server of the classic Python lessons, written the way those
lessons write them, to check that sticky's demos interoperate with them byte for byte.

  classic_peers.py raw|naive|struct server            serves one connection, port chosen by the OS
  classic_peers.py raw|naive|struct client PORT CMD...

The server answers `seq N` and `echo TEXT` itself (the lessons run a shell; a test must not)."""
import socket
import struct
import sys


def answer(cmd):
    name, _, arg = cmd.strip().partition(" ")
    if name == "seq":
        return "".join(f"{i}\n" for i in range(1, int(arg) + 1)).encode()
    if name == "echo":
        return (arg + "\n").encode()
    return f"command not found: {cmd}\n".encode()


def server(mode):
    phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    phone.bind(("127.0.0.1", 0))
    phone.listen(5)
    print("listening on 127.0.0.1:%d" % phone.getsockname()[1], flush=True)
    conn, _ = phone.accept()
    while True:
        cmd = conn.recv(1024)
        if not cmd:
            break
        res = answer(cmd.decode("utf-8"))
        if mode == "raw":
            conn.send(res)
        elif mode == "naive":
            conn.send(str(len(res)).encode("utf-8"))
            if conn.recv(1024) == b"ready":
                conn.sendall(res)
        else:
            conn.send(struct.pack("i", len(res)))
            conn.send(res)
    conn.close()
    phone.close()


def client(mode, port, commands):
    phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    phone.connect(("127.0.0.1", port))
    for cmd in commands:
        phone.send(cmd.encode("utf-8"))
        if mode == "raw":
            data = phone.recv(1024)
        elif mode == "naive":
            length = int(phone.recv(1024).decode("utf-8"))
            phone.send(b"ready")
            data = b""
            while len(data) < length:
                data += phone.recv(1024)
        else:
            length = struct.unpack("i", phone.recv(4))[0]
            data = b""
            while len(data) < length:
                data += phone.recv(1024)
        sys.stdout.write("<<%d>>%s" % (len(data), data.decode("utf-8")))
    phone.close()


if __name__ == "__main__":
    if sys.argv[2] == "server":
        server(sys.argv[1])
    else:
        client(sys.argv[1], int(sys.argv[3]), sys.argv[4:])
