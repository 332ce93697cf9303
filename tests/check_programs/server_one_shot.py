# Correct, and serves one connection only: a struct-prefix echo server (recv_exact for the
# header and the body) that answers every message of its one client, then closes its
# listening socket and exits 0. sticky-check starts it again for every run.
import socket
import struct
import sys


def recv_exact(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(('127.0.0.1', int(sys.argv[1])))
listener.listen(1)
conn, _ = listener.accept()
listener.close()  # no second client: the next one is refused until a new process listens
with conn:
    while True:
        header = recv_exact(conn, 4)
        if header is None:
            break
        (n,) = struct.unpack('!I', header)
        body = recv_exact(conn, n)
        if body is None:
            break
        conn.sendall(struct.pack('!I', n) + body)
