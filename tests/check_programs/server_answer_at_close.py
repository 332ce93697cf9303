# Correct, as in the socketserver documentation: one line per connection, the answer is
# everything the handler writes before the connection closes. rfile.readline() reads until
# the line is whole. --framing up:line --framing down:close
import socketserver
import sys


class Upper(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline().strip()
        self.wfile.write(line.upper())


socketserver.TCPServer.allow_reuse_address = True
with socketserver.TCPServer(('127.0.0.1', int(sys.argv[1])), Upper) as server:
    server.serve_forever()
