"""The classic lesson's server: accept, sleep while the client sends three times, then one
recv(1024) gets everything sent so far (粘包). Prints `listening on HOST:PORT` first."""
import socket
import sys
import time

port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(5)
print("listening on 127.0.0.1:%d" % server.getsockname()[1], flush=True)
conn, addr = server.accept()
time.sleep(0.2)
data = conn.recv(1024)
print("received %r" % data, flush=True)
conn.close()
server.close()
