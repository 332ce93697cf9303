# Correct, and serves one connection only: a struct-prefix echo server (recv_exact for the
# header and the body) that answers every message of its one client, tidies up for a moment
# with its listening socket still open (a connection made then waits in its queue, and is
# reset when it closes), then exits 0. sticky-check starts it again for every run.
import socket
import struct
import sys
import time


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
time.sleep(0.3)     # writing its log, say: still listening, accepting no one
listener.close()    # whoever connected meanwhile is reset
