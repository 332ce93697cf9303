#!/usr/bin/env python3
"""Lesson 10: send() may take only part of your data; sendall() loops until all is sent.
第 10 课：send() 可能只收下一部分数据；sendall() 会循环，直到全部发出。

Part A: a non-blocking socket with a 4 KiB send buffer; one send() of 1 MiB returns how
many bytes the kernel took (tens of KiB). A program that ignores that number, and closes,
delivers only that much. Part B: sendall() on a socket with a timeout delivers every byte.
(send() on a socket with settimeout() is non-blocking inside, and can be short the same way.)

  python3 10-sendall-vs-send.py                       both ends in this one process
  python3 10-sendall-vs-send.py --role server         a sink that says what arrived, and:
  python3 10-sendall-vs-send.py --role client         one send(), then sendall(), on two connections
Either role can face our demo: build/bin/10-partial-send --role client (or --role server).
"""
import argparse
import socket
import sys
import threading

SIZE = 1 << 20


def payload():
    """The same 1 MiB as our demo's (a simple pseudo-random sequence), so checksums compare."""
    out, x = bytearray(SIZE), 12345
    for i in range(SIZE):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = x >> 24
    return bytes(out)


def checksum(data):
    """FNV-1a, 64 bits: enough to tell whether two 1 MiB blobs are the same (our demo's too)."""
    h = 1469598103934665603
    for byte in data:
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def drain(conn):
    """Everything until the peer closes."""
    chunks = []
    while True:
        data = conn.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def send_both_ways(address, data):
    """Connection 1: one send(), ignoring its result. Connection 2: sendall()."""
    for careful in (False, True):
        sock = socket.create_connection(address, timeout=10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        if careful:
            # sendall() 循环处理部分发送，直到每个字节都进入发送队列
            sock.sendall(data)  # loops over partial sends until every byte is queued
            print("client: sendall() queued all %d bytes" % len(data))
        else:
            sock.setblocking(False)
            # 错误示范：非阻塞的 send() 只收下放得下的部分，返回值被扔掉了
            print("client: send() of %d bytes returned %d; the client closes anyway" % (len(data), sock.send(data)))
        sock.close()


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--role", choices=["both", "server", "client"], default="both", help="default: %(default)s")
parser.add_argument("--host", default="127.0.0.1", help="address to bind or connect to (default: %(default)s)")
parser.add_argument("--port", type=int, default=9010, help="port; server: 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="server: serve one connection, then exit")
args = parser.parse_args()

data = payload()
if args.role != "server":  # a server's first line says where it listens
    print("payload: %d bytes, checksum %s" % (len(data), checksum(data)))
if args.role == "client":
    send_both_ways((args.host, args.port), data)
    sys.exit(0)

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl-C
listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # inherited by accepted sockets
listener.bind((args.host, 0 if args.role == "both" else args.port))
listener.listen(5)
try:
    if args.role == "both":
        threading.Thread(target=send_both_ways, args=(listener.getsockname()[:2], data)).start()
    else:
        print("listening on %s:%d" % listener.getsockname()[:2], flush=True)
    served = 0
    while True:
        conn, addr = listener.accept()
        with conn:
            got = drain(conn)
        whole = " (the whole payload)" if got == data else " (NOT the payload)"
        print("server: received %d bytes, checksum %s%s" % (len(got), checksum(got), whole), flush=True)
        served += 1
        if args.once or (args.role == "both" and served == 2):
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    listener.close()
