#!/usr/bin/env python3
"""Lesson 09, socketserver over TCP: the same handler, served three ways.
第 09 课 TCP 上的 socketserver：同一个处理器，三种服务方式（sync、threading、forking）。

  --mode sync        socketserver.TCPServer: one client at a time. While client 1 stays
                     connected, handle() is still running for it, so client 2 waits.
  --mode threading   ThreadingTCPServer (ThreadingMixIn): a thread per client.
  --mode forking     ForkingTCPServer (ForkingMixIn): a process per client.
The handler sends every chunk back upper-cased until the client leaves.

  python3 09-socketserver-tcp.py --mode sync  then: python3 09-client-two-clients.py
Our demo serves the same way: build/bin/09-socketserver --role server --mode sync
"""
import argparse
import os
import socketserver
import sys
import threading


class UpperHandler(socketserver.StreamRequestHandler):
    """setup() made self.rfile and self.wfile from the socket (self.request); handle() is ours."""

    def handle(self):
        print("client %s:%d handled by process %d, thread %s"
              % (*self.client_address[:2], os.getpid(), threading.current_thread().name), flush=True)
        while True:
            # read1(1024) 最多调用一次 recv()：已经到了什么就返回什么，最多 1024 字节
            data = self.rfile.read1(1024)  # at most one recv(): what has arrived, up to 1024 bytes
            if not data:
                break  # the client closed
            self.wfile.write(data.upper())


SERVERS = {"sync": socketserver.TCPServer, "threading": socketserver.ThreadingTCPServer,
           "forking": socketserver.ForkingTCPServer}

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9009, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--mode", choices=SERVERS, default="threading", help="default: %(default)s")
parser.add_argument("--once", action="store_true", help="handle one request (handle_request), then exit")
args = parser.parse_args()

Server = SERVERS[args.mode]
Server.allow_reuse_address = True  # restart at once after Ctrl-C
# 处理线程不阻止程序退出：有客户端连着时，Ctrl-C 也能结束
Server.daemon_threads = True       # threading: Ctrl-C does not wait for connected clients
with Server((args.host, args.port), UpperHandler) as server:
    print("listening on %s:%d" % server.server_address[:2], flush=True)
    try:
        if args.once:
            server.handle_request()
        else:
            server.serve_forever()  # checks for shutdown() every 0.5 s
    except KeyboardInterrupt:
        print("\nserver stopped", file=sys.stderr)
