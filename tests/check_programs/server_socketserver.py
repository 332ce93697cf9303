# A correct server on socketserver: rfile.read(n) loops until n bytes (or end of stream).
import socketserver
import struct
import sys


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            header = self.rfile.read(4)
            if len(header) < 4:
                return
            n = struct.unpack('!I', header)[0]
            if n > 1 << 24:  # not a length we accept: close the connection
                return
            body = self.rfile.read(n)
            if len(body) < n:
                return
            self.wfile.write(struct.pack('!I', n) + body)


socketserver.TCPServer.allow_reuse_address = True
with socketserver.TCPServer(('127.0.0.1', int(sys.argv[1])), Echo) as server:
    server.serve_forever()
