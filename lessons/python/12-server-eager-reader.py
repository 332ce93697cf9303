#!/usr/bin/env python3
"""Lesson 12 (it worked on localhost), the server: reads every connection at once with
recv(65536), as fast as it can, and says how the bytes came: how many reads, of what sizes,
and the connection's MSS (TCP_MAXSEG: the most one TCP segment carries).

On loopback (MTU 65536) 100,000 bytes sent in one sendall() come in a few big reads. On a
real link (MTU 1500) they come in reads of one MSS, 1448 bytes: the reads follow the
segments, not the send. Run both ends on a real, shaped link with sticky-link:

  build/bin/sticky-link -- python3 12-server-eager-reader.py --host 10.0.0.1 \\
                        -- python3 12-client-big-send.py --host 10.0.0.1
"""
import argparse
import socket


def folded(sizes):
    """[1448, 1448, 1448, 2896, 88] -> '1448 x3, 2896, 88': runs of one size folded."""
    parts, i = [], 0
    while i < len(sizes):
        j = i
        while j < len(sizes) and sizes[j] == sizes[i]:
            j += 1
        parts.append("%d x%d" % (sizes[i], j - i) if j - i > 1 else str(sizes[i]))
        i = j
    return ", ".join(parts)


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9012, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="serve one connection, then exit")
args = parser.parse_args()

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl-C
server.bind((args.host, args.port))
server.listen(5)
print("listening on %s:%d" % server.getsockname()[:2], flush=True)

try:
    while True:
        conn, peer = server.accept()
        mss = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
        sizes = []
        while True:
            data = conn.recv(65536)  # at once, every time: this reader is never late
            if not data:
                break
            sizes.append(len(data))
        conn.close()
        print("%s:%d sent %d bytes, read in %d recv(65536) calls (TCP_MAXSEG %d): %s"
              % (peer[0], peer[1], sum(sizes), len(sizes), mss, folded(sizes)), flush=True)
        if args.once:
            break
except KeyboardInterrupt:
    pass
finally:
    server.close()
