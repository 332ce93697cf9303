"""`bulk.py SIZE`: one client sendall()s SIZE bytes to a server thread that recv()s them
all. Prints the number of bytes received."""
import socket
import sys
import threading

size = int(sys.argv[1])
server = socket.create_server(("127.0.0.1", 0))
received = 0


def serve():
    global received
    connection, _ = server.accept()
    while True:
        data = connection.recv(65536)
        if not data:
            break
        received += len(data)
    connection.close()


thread = threading.Thread(target=serve)
thread.start()
client = socket.create_connection(server.getsockname())
client.sendall(bytes(range(256)) * (size // 256))
client.close()
thread.join()
print(received)
