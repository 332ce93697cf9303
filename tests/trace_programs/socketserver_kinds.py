"""socketserver's ForkingTCPServer or ThreadingTCPServer with a StreamRequestHandler
(rfile.readline, wfile.write), and two clients: `socketserver_kinds.py forking|threading`.
Prints each answer, then `server pid PID`."""
import os
import socket
import socketserver
import sys
import threading


class Upper(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()  # rfile: a buffered reader over recv_into
        self.wfile.write(line.upper())


kind = socketserver.ForkingTCPServer if sys.argv[1] == "forking" else socketserver.ThreadingTCPServer
with kind(("127.0.0.1", 0), Upper) as server:
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    serving.start()
    for word in (b"hello\n", b"world\n"):
        with socket.create_connection(server.server_address) as client:
            client.sendall(word)
            with client.makefile("rb") as answers:
                print(answers.readline().decode().strip(), flush=True)
    server.shutdown()
    serving.join()
print("server pid", os.getpid())
