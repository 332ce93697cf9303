# Mistake: conn.recv(4) is assumed to return the whole header.
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
        header = conn.recv(4)                 # may return 1, 2 or 3 bytes
        if not header:
            break
        n = struct.unpack('!I', header)[0]
        if n > 1 << 24:  # not a length we accept: close the connection
            break
        body = b''
        while len(body) < n:
            chunk = conn.recv(n - len(body))
            if not chunk:
                break
            body += chunk
        conn.sendall(struct.pack('!I', len(body)) + body)
    conn.close()
