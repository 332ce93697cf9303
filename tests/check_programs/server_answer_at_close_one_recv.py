# Mistake, as in socketserver's BaseRequestHandler example: the line is whatever one
# recv(1024) returns; the answer ends when the connection closes.
import socketserver
import sys


class Upper(socketserver.BaseRequestHandler):
    def handle(self):
        line = self.request.recv(1024).strip()   # one recv() taken for the whole line
        self.request.sendall(line.upper())


socketserver.TCPServer.allow_reuse_address = True
with socketserver.TCPServer(('127.0.0.1', int(sys.argv[1])), Upper) as server:
    server.serve_forever()
