# Mistake: whatever one recv() returns is taken as one whole message.
import socket
import struct
import sys

port = int(sys.argv[1])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', port))
server.listen(5)
while True:
    conn, addr = server.accept()
    while True:
        try:
            data = conn.recv(1 << 20)
        except ConnectionResetError:
            break
        if not data:
            break
        body = data[4:]                       # "the rest of this recv is the message"
        conn.sendall(struct.pack('!I', len(body)) + body)
    conn.close()
