# Mistake: the header is read exactly, the body with one recv(n), assumed to return n bytes.
import socket
import struct
import sys

port = int(sys.argv[1])


def recv_exact(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', port))
server.listen(5)
while True:
    conn, addr = server.accept()
    while True:
        header = recv_exact(conn, 4)
        if header is None:
            break
        n = struct.unpack('!I', header)[0]
        if n > 1 << 24:  # not a length we accept: close the connection
            break
        body = conn.recv(n) if n else b''     # may return fewer than n bytes
        conn.sendall(struct.pack('!I', len(body)) + body)
    conn.close()
