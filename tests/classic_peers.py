#!/usr/bin/env python3
"""The remote-command client and server of the classic Python lessons, written the way those
lessons write them, to check that sticky's demos interoperate with them byte for byte.

  classic_peers.py raw|naive|struct server            serves one connection, port chosen by the OS
  classic_peers.py raw|naive|struct client PORT CMD...

The server answers `seq N` and `echo TEXT` itself (the lessons run a shell; a test must not).
As in those lessons, in every mode the client sends each command as it is, unframed, and the
server takes what one recv(1024) returns as one command; only the answers are framed (a
length as text then "ready" in naive mode, struct.pack('i') in struct mode). The struct
client reads its header with one recv(4) and then recv(1024) until it has the length, never
checking for the end of the stream. Demo 05 talks to these with --python-i --classic."""
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


def usage():
    sys.stderr.write("usage:\n" + __doc__.split("\n\n")[1] + "\n")
    sys.exit(2)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) < 2 or args[0] not in ("raw", "naive", "struct") or args[1] not in ("server", "client"):
        usage()
    if args[1] == "server":
        server(args[0])
    elif len(args) < 3 or not args[2].isdigit():
        usage()
    else:
        client(args[0], int(args[2]), args[3:])
