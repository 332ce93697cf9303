# Mistake: the protocol is struct.pack('!I') (big endian); this server packs and unpacks
# with 'i', the x86 byte order of the classic lessons.
import socket
import struct
import sys

port = int(sys.argv[1])


def recv_exact(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(min(n - len(data), 65536))
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
        n = struct.unpack('i', header)[0]
        if n > 1 << 24:  # not a length we accept: close the connection
            break
        body = recv_exact(conn, n)
        if body is None:
            break
        conn.sendall(struct.pack('i', len(body)) + body)
    conn.close()
