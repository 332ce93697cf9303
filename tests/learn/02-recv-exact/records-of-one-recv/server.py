# expect: cut | returns after one recv()
# A wrong solution, as a student writes it: records of one recv.
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9002
RECORD = 16


def recv_exact(sock, n):
    """Exactly n bytes; fewer only when the client closed first."""
    data = b""
    while len(data) < n:
        piece = sock.recv(n - len(data))  # ask only for what is still missing
        if not piece:
            break  # b"": the client closed; return what came
        data += piece
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
                data = conn.recv(1024)
                if not data:
                    break
                for i in range(0, len(data), RECORD):  # records glued together: each one answered
                    conn.sendall(data[i:i + RECORD][::-1])
except KeyboardInterrupt:
    pass
