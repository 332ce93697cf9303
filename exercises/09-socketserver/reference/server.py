# Exercise 09, a reference solution: StreamRequestHandler's rfile.read(n) reads exactly n.
import socketserver
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9009
HEADER = struct.Struct("!I")
MAX_LENGTH = 1 << 20


class UpperHandler(socketserver.StreamRequestHandler):
    """setup() made self.rfile (buffered reads) and self.wfile (writes) from the socket."""

    def handle(self):
        while True:
            header = self.rfile.read(HEADER.size)  # exactly 4 bytes, fewer only at the end
            if len(header) < HEADER.size:
                break  # the client closed
            (length,) = HEADER.unpack(header)
            if length > MAX_LENGTH:
                break  # a broken or hostile client: end its connection
            body = self.rfile.read(length)
            if len(body) < length:
                break
            self.wfile.write(HEADER.pack(len(body)) + body.upper())  # one write


socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
with socketserver.ThreadingTCPServer(("127.0.0.1", PORT), UpperHandler) as server:
    print("listening on 127.0.0.1:%d" % PORT, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
