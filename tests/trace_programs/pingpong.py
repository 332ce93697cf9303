"""`pingpong.py N`: N round trips of 4 bytes between two processes over TCP loopback.
Prints the milliseconds the N round trips took, measured by the client."""
import os
import socket
import sys
import time

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
server = socket.create_server(("127.0.0.1", 0))
pid = os.fork()
if pid == 0:
    connection, _ = server.accept()
    while True:
        data = connection.recv(4)
        if not data:
            os._exit(0)
        connection.sendall(data)
client = socket.create_connection(server.getsockname())
client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
start = time.perf_counter()
for _ in range(rounds):
    client.sendall(b"ping")
    client.recv(4)
elapsed = time.perf_counter() - start
client.close()
os.waitpid(pid, 0)
print("%.0f" % (elapsed * 1000))
