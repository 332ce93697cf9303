# @task@
import socketserver
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9009  # sticky-learn gives the port
HEADER = struct.Struct("!I")  # 4 bytes, big endian, unsigned


class UpperHandler(socketserver.BaseRequestHandler):
    """One client: every framed message answered, framed, in capitals."""

    def handle(self):
        while True:
            # TODO: self.request is the bare socket, and recv(4) may return 1, 2 or 3
            # bytes; recv(length) may return part of the body. Derive the handler from
            # socketserver.StreamRequestHandler instead: self.rfile.read(n) waits for
            # exactly n bytes (fewer only when the client closed), and
            # self.wfile.write(header + body) sends in one write.
            header = self.request.recv(4)
            if not header:
                break  # the client closed
            (length,) = HEADER.unpack(header)
            body = self.request.recv(length)
            self.request.sendall(HEADER.pack(len(body)) + body.upper())


socketserver.ThreadingTCPServer.allow_reuse_address = True  # restart at once
socketserver.ThreadingTCPServer.daemon_threads = True       # Ctrl-C does not wait
with socketserver.ThreadingTCPServer(("127.0.0.1", PORT), UpperHandler) as server:
    print("listening on 127.0.0.1:%d" % PORT, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
