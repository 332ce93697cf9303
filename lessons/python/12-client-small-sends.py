#!/usr/bin/env python3
"""Lesson 12 (it worked on localhost), a client: 100 sends of an 11-byte line, 0.5 ms apart.

On loopback a reader that reads at once gets them in 100 reads: each ACK is back before
the next send. Over a slow link (sticky-link --rate 50kbit) it gets far fewer: Nagle's
algorithm holds a small send while the one before is unacknowledged, the ACK takes
milliseconds there, and the lines leave together; with TCP_NODELAY too, since Linux adds
a small send to the segment not yet sent while earlier packets wait in the link's queue
(autocorking). The network merged them (粘包), for a reader that never sleeps.
Against 12-server-eager-reader.py:

  build/bin/sticky-link --rate 50kbit -- python3 12-server-eager-reader.py --host 10.0.0.1 \\
                                       -- python3 12-client-small-sends.py --host 10.0.0.1
"""
import argparse
import socket
import time

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9012, help="server port (default: %(default)s)")
parser.add_argument("--count", type=int, default=100, help="how many lines (default: %(default)s)")
parser.add_argument("--gap-ms", type=float, default=0.5, help="pause after each send (default: %(default)s)")
args = parser.parse_args()

client = socket.create_connection((args.host, args.port), timeout=30)
for i in range(1, args.count + 1):
    client.send(b"line %03d/x\n" % (i % 1000))  # 11 bytes each
    time.sleep(args.gap_ms / 1000)
print("sent %d lines of 11 bytes, %g ms apart" % (args.count, args.gap_ms))
client.shutdown(socket.SHUT_WR)
client.recv(1)
client.close()
