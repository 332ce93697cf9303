# Correct, and serves one connection only (or as many as the number after the port): lesson
# 05's command protocol (a 4-byte big-endian length before every command and every answer),
# answering "ran: " and the command; then it exits. As an upstream in client mode it is used up by the first run
# unless sticky-check starts it again (--start-upstream).
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
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 1):
    conn, _ = listener.accept()
    with conn:
        while True:
            header = recv_exact(conn, 4)
            if header is None:
                break
            command = recv_exact(conn, struct.unpack('!I', header)[0])
            answer = b'ran: ' + command + b'\n' + b'.' * 1200 + b'\n'
            conn.sendall(struct.pack('!I', len(answer)) + answer)
listener.close()
