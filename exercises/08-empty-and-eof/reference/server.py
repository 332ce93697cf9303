# Exercise 08, a reference solution: b"" from recv() ends the loop; an empty message does not.
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9008
HEADER = struct.Struct("!I")


def recv_exact(sock, n):
    """Exactly n bytes, or None when the client closed before they all came."""
    data = b""
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            return None  # b"": the client closed
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
                header = recv_exact(conn, HEADER.size)
                if header is None:
                    break  # the client closed: serve the next one
                (length,) = HEADER.unpack(header)
                body = recv_exact(conn, length)  # b"" when length is 0: a message all the same
                if body is None:
                    break
                conn.sendall(HEADER.pack(len(body)) + body.upper())
except KeyboardInterrupt:
    pass
