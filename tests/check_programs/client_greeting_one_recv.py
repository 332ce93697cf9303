# Mistake: a client of server_speaks_first.py that takes one recv(1024) for the greeting
# line and one for each answer line.
import socket
import sys

sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print("greeting:", sock.recv(1024).decode().strip())       # one recv() is not one line
for word in ["hello", "world", "粘包"]:
    sock.sendall(word.encode() + b"\n")
    print(sock.recv(1024).decode().strip())
sock.close()
