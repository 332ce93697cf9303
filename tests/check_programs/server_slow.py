# A correct server that is slow: it sleeps before every recv(), so pieces sent apart pile
# up in its receive buffer and arrive together. Nothing about that is a framing bug.
import socket
import struct
import sys
import time

port = int(sys.argv[1])


def recv_exact(conn, n):
    data = b''
    while len(data) < n:
        time.sleep(0.003)
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
        body = recv_exact(conn, n)
        if body is None:
            break
        time.sleep(0.01)
        conn.sendall(struct.pack('!I', len(body)) + body)
    conn.close()
