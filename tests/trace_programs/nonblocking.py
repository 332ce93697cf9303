"""A non-blocking recv with nothing to read raises BlockingIOError (EAGAIN): exit 0 when it
does, 1 when it does not."""
import socket
import sys

server = socket.create_server(("127.0.0.1", 0))
client = socket.create_connection(server.getsockname())
accepted, _ = server.accept()
client.setblocking(False)
try:
    client.recv(1024)
except BlockingIOError as error:
    print("BlockingIOError", error.errno)
    sys.exit(0)
print("recv returned instead of raising")
sys.exit(1)
