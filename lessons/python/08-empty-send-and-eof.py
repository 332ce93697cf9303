#!/usr/bin/env python3
"""Lesson 08: send(b"") sends nothing; recv() returning b"" means the peer closed.
第 08 课：send(b"") 什么也不发；recv() 返回 b"" 表示对方关闭了。

The client calls send(b""): it returns 0 and nothing goes on the wire, so the server's
recv(1024) keeps waiting (here it gives up after --wait seconds). Then the client calls
shutdown(SHUT_WR), and the server's recv() returns b"" at once: on TCP an empty read means
end of stream, nothing else. That is why every read loop says `if not data: break`.

  python3 08-empty-send-and-eof.py                    both ends in this one process
  python3 08-empty-send-and-eof.py --role server      and, in another terminal:
  python3 08-empty-send-and-eof.py --role client
Either role can face our demo: build/bin/08-empty-and-eof --role client (or --role server).
"""
import argparse
import socket
import sys
import threading


def serve(conn):
    conn.settimeout(args.wait)
    try:
        data = conn.recv(1024)
        print("server: recv(1024) returned %r" % data)
    except socket.timeout:
        print("server: recv(1024) is still waiting after %.1f s: nothing came" % args.wait)
    conn.sendall(b"go on")  # tell the client the wait is over
    conn.settimeout(5)
    data = conn.recv(1024)
    print("server: recv(1024) returned %r: %s" % (data, "end of stream, the client closed" if not data else "data"))


def client(address):
    sock = socket.create_connection(address)
    sock.settimeout(10)
    # send(b"") 返回 0，网络上什么也没发出：对方的 recv() 只能继续等
    print("client: send(b'') returned %d" % sock.send(b""))
    sock.recv(16)  # the server's b"go on": its recv has given up waiting by now
    print("client: shutdown(SHUT_WR): no more bytes from this side")
    # 关闭写方向：对方的 recv() 立刻返回 b""——TCP 上读到空，就是数据流结束
    sock.shutdown(socket.SHUT_WR)
    sock.recv(16)  # b"" when the server closes: the end of the story
    sock.close()


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--role", choices=["both", "server", "client"], default="both", help="default: %(default)s")
parser.add_argument("--host", default="127.0.0.1", help="address to bind or connect to (default: %(default)s)")
parser.add_argument("--port", type=int, default=9008, help="port; server: 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="server: serve one connection, then exit")
parser.add_argument("--wait", type=float, default=0.3, help="seconds the server's recv waits (default: %(default)s)")
args = parser.parse_args()

if args.role == "client":
    client((args.host, args.port))
    sys.exit(0)

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl-C
listener.bind((args.host, 0 if args.role == "both" else args.port))
listener.listen(5)
try:
    if args.role == "both":  # our own client, on a thread, against our own server
        threading.Thread(target=client, args=(listener.getsockname()[:2],)).start()
    else:
        print("listening on %s:%d" % listener.getsockname()[:2], flush=True)
    while True:
        conn, addr = listener.accept()
        with conn:
            serve(conn)
        if args.once or args.role == "both":
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    listener.close()
