# Correct, and says the time: a struct-prefix echo server (recv_exact) that adds a line
# "served at <time>" to the answer of every question (a message ending in '?'), or with
# "all" after the port to every answer. --ignore '^served at' leaves those lines out.
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
listener.listen(5)
while True:
    conn, _ = listener.accept()
    with conn:
        while True:
            header = recv_exact(conn, 4)
            if header is None:
                break
            body = recv_exact(conn, struct.unpack('!I', header)[0])
            if body is None:
                break
            answer = body
            if body.endswith(b'?') or (len(sys.argv) > 2 and sys.argv[2] == 'all'):
                answer += b'\nserved at %.6f' % time.time()
            conn.sendall(struct.pack('!I', len(answer)) + answer)
