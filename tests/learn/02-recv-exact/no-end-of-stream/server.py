# expect: next_connection | does not stop when the client closes
# A wrong solution, as a student writes it: no end of stream.
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9002
RECORD = 16


def recv_exact(sock, n):
    """Exactly n bytes; fewer only when the client closed first."""
    data = b""
    while len(data) < n:
        data += sock.recv(n - len(data))
    return data


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", PORT))
server.listen(5)
print("listening on 127.0.0.1:%d" % PORT, flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn:
            while True:
                record = recv_exact(conn, RECORD)
                if len(record) < RECORD:
                    break
                conn.sendall(record[::-1])
except KeyboardInterrupt:
    pass
