#!/usr/bin/env python3
"""Lesson 02 (拆包, 半包), the server: recv(n) returns at most n bytes — often fewer.

Part A: the client sends b"helloworldegon" in one call; this server reads it with
recv(1), recv(5), recv(1024) and gets b"h", b"ellow", b"orldegon".
Part B: the client sends 64 KiB twice. Read with recv(1024) the first takes 64 calls;
the second comes whole out of recv_exact(), the loop every correct reader needs.
The bytes are those of our demo, so either side can be ours:

  python3 02-server-recv-sizes.py             then: python3 02-client-one-send.py
                                              or:   build/bin/02-short-read --role client
"""
import argparse
import select
import socket
import sys

BIG = 64 * 1024


def recv_exact(sock, n):
    """Exactly n bytes: recv() until they have all come. Raises EOFError if the peer closes
    first — a loop that ignored b"" would spin forever."""
    data = bytearray()
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            raise EOFError("the peer closed after %d of %d bytes" % (len(data), n))
        data += piece
    return bytes(data)


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
            select.select([conn], [], [], 5)  # wait until the word is here, so recv(1) etc. are short on purpose
            for n in (1, 5, 1024):
                data = conn.recv(n)
                print("recv(%d) returned %d bytes: %r" % (n, len(data), data))
            conn.sendall(b"next")  # only now does the client send part B
            got = calls = 0
            while got < BIG:
                piece = conn.recv(min(1024, BIG - got))
                if not piece:
                    break
                got += len(piece)
                calls += 1
            print("recv(1024) in a loop: %d calls for %d bytes" % (calls, got))
            whole = recv_exact(conn, BIG)
            print("recv_exact(%d): one call, %d bytes" % (BIG, len(whole)))
            conn.sendall(b"done")
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
except EOFError as error:
    print("error: %s" % error, file=sys.stderr)
    sys.exit(1)
finally:
    server.close()
