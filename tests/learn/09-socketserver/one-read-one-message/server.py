# expect: cut | 
# A wrong solution, as a student writes it: one read one message.
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
            data = self.rfile.read1(65536)  # what has arrived: one message, surely
            if len(data) < HEADER.size:
                break
            (length,) = HEADER.unpack(data[:4])
            body = data[4:4 + length]
            self.wfile.write(HEADER.pack(len(body)) + body.upper())  # one write


socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
with socketserver.ThreadingTCPServer(("127.0.0.1", PORT), UpperHandler) as server:
    print("listening on 127.0.0.1:%d" % PORT, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
