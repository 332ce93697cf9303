#!/usr/bin/env python3
"""Lesson 09, socketserver over UDP: each datagram is a request of its own.
第 09 课 UDP 上的 socketserver：每个数据报都是一个独立的请求。

DatagramRequestHandler gives handle() the datagram as self.rfile, and sends back what
handle() wrote to self.wfile when it returns. There is no connection to hold, so even
the synchronous server answers client 2 as soon as client 1's datagram is done.

  python3 09-socketserver-udp.py --mode sync  then: python3 07-udp-client.py --port 9009
Our demo serves the same way: build/bin/09-socketserver --role server --kind udp
"""
import argparse
import os
import socketserver
import sys
import threading


class UpperHandler(socketserver.DatagramRequestHandler):
    def handle(self):
        data = self.rfile.read()  # the whole datagram (the server read at most 8192 bytes)
        print("%d bytes from %s:%d handled by process %d, thread %s"
              % (len(data), *self.client_address[:2], os.getpid(), threading.current_thread().name), flush=True)
        self.wfile.write(data.upper())  # sent back by finish(), after handle() returns


SERVERS = {"sync": socketserver.UDPServer, "threading": socketserver.ThreadingUDPServer,
           "forking": socketserver.ForkingUDPServer}

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9009, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--mode", choices=SERVERS, default="threading", help="default: %(default)s")
parser.add_argument("--once", action="store_true", help="handle one datagram (handle_request), then exit")
args = parser.parse_args()

Server = SERVERS[args.mode]
Server.daemon_threads = True  # threading: Ctrl-C does not wait for handlers
with Server((args.host, args.port), UpperHandler) as server:
    print("listening on %s:%d" % server.server_address[:2], flush=True)
    try:
        if args.once:
            server.handle_request()
        else:
            server.serve_forever()
    except KeyboardInterrupt:
        print("\nserver stopped", file=sys.stderr)
