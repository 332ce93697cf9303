# A correct struct-prefix echo server: read exactly 4 header bytes, then exactly n bytes.
import socket
import struct
import sys

port = int(sys.argv[1])
fmt = '<i' if len(sys.argv) > 2 and sys.argv[2] == 'i' else '!I'


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
        n = struct.unpack(fmt, header)[0]
        if n > 1 << 24:  # not a length we accept: close the connection
            break
        body = recv_exact(conn, n)
        if body is None:
            break
        conn.sendall(struct.pack(fmt, len(body)) + body)
    conn.close()
