# @task@
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9008  # sticky-learn gives the port
HEADER = struct.Struct("!I")  # 4 bytes, big endian, unsigned


def recv_exact(sock, n):
    """Exactly n bytes."""
    data = b""
    while len(data) < n:
        # TODO 1: when the client closes, recv() returns b"" — at once, every time.
        # This loop then never ends (and spins at 100% CPU): the next client is never
        # served. Stop when recv() returns b"" (return None, or raise EOFError and
        # catch it below).
        data += sock.recv(n - len(data))
    return data


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once
server.bind(("127.0.0.1", PORT))
server.listen(5)
print("listening on 127.0.0.1:%d" % PORT, flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn:
            while True:
                (length,) = HEADER.unpack(recv_exact(conn, HEADER.size))
                body = recv_exact(conn, length)
                # TODO 2: an empty message (a header saying 0) is a message: answer it
                # (with an empty answer, a header saying 0). Only the client closing
                # ends the conversation, not an empty message.
                if not body:
                    break
                conn.sendall(HEADER.pack(len(body)) + body.upper())
except KeyboardInterrupt:
    pass
