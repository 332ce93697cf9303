#!/usr/bin/env python3
"""Lesson 02 (拆包, 半包), the server: recv(n) returns at most n bytes — often fewer.
第 02 课（拆包、半包）服务端：recv(n) 最多返回 n 个字节，常常更少。

Part A: the client sends b"helloworldegon" in one call; this server reads it with
recv(1), recv(5), recv(1024) and gets b"h", b"ellow", b"orldegon".
Part B: the client sends 256 KiB in one call. The server is busy for 100 ms, then asks
for all of it at once, recv(262144) — and still gets only part: the receive buffer
(128 KiB when a connection starts on Linux) holds less than the message, so the sender
could send only part of it until this reader took some. The kernel decides, not n.
Part C: 64 KiB read with recv(1024) take 64 calls: recv(1024) never returns more.
Part D: after b"go" the client sends 256 KiB again; recv_exact(), the loop every
correct reader needs, returns all of it, from as many recv() calls as that takes.
The bytes are those of our demo 02, so either side can be ours:

  python3 02-server-recv-sizes.py             then: python3 02-client-one-send.py
                                              or:   build/bin/02-short-read --role client
"""
import argparse
import select
import socket
import sys
import time

SMALL = 64 * 1024
BIG = 256 * 1024
LATE = 0.1  # seconds the server is busy before part B's recv


def pattern(n, first):
    """The demo's payload: first, first+1, ... around the alphabet."""
    return bytes(ord(first) + i % 26 for i in range(n))


# 恰好读 n 个字节：循环调用 recv()，直到读满；对方提前关闭就抛 EOFError
def recv_exact(sock, n):
    """Exactly n bytes: recv() until they have all come, and how many calls that took.
    Raises EOFError if the peer closes first — a loop that ignored b"" would spin forever."""
    data = bytearray()
    calls = 0
    while len(data) < n:
        piece = sock.recv(n - len(data))
        calls += 1
        if not piece:
            raise EOFError("the peer closed after %d of %d bytes" % (len(data), n))
        data += piece
    return bytes(data), calls


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9002, help="port; 0 lets the OS pick (default: %(default)s)")
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
            conn.settimeout(10)  # a client that stops sending is an error, not a hang
            # Part A
            select.select([conn], [], [], 5)  # wait until the word is here, so recv(1) etc. are short on purpose
            # recv(1)、recv(5)、recv(1024)：参数是缓冲区大小，不是消息长度
            for n in (1, 5, 1024):
                data = conn.recv(n)
                print("recv(%d) returned %d bytes: %r" % (n, len(data), data))
            conn.sendall(b"next")  # only now does the client send part B
            # Part B: a buffer as big as the message, and time for all of it to arrive
            rcvbuf = conn.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            time.sleep(LATE)
            sizes = []
            while sum(sizes) < BIG:
                # 缓冲区够大也没用：第一次只返回已经到达的那部分（由内核决定）
                piece = conn.recv(BIG - sum(sizes))  # the first asks for all 262144
                if not piece:
                    break
                sizes.append(len(piece))
            print("busy %d ms, then recv(%d) returned %d bytes; %d calls for %d bytes (receive buffer: %d bytes)"
                  % (LATE * 1000, BIG, sizes[0] if sizes else 0, len(sizes), sum(sizes), rcvbuf))
            # Part C
            got = calls = 0
            while got < SMALL:
                piece = conn.recv(min(1024, SMALL - got))
                if not piece:
                    break
                got += len(piece)
                calls += 1
            print("recv(1024) in a loop: %d calls for %d bytes" % (calls, got))
            # Part D
            conn.sendall(b"go")
            whole, calls = recv_exact(conn, BIG)
            print("recv_exact(%d): all %d bytes%s, from %d recv() call%s inside it"
                  % (BIG, len(whole), "" if whole == pattern(BIG, "A") else " (NOT what was sent)",
                     calls, "" if calls == 1 else "s"))
            conn.sendall(b"done")
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
except (EOFError, socket.timeout) as error:
    print("error: %s" % (error or "the client sent nothing for 10 s"), file=sys.stderr)
    sys.exit(1)
finally:
    server.close()
