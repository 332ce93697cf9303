# expect: cut | assumes one recv() returns the whole 4-byte header
# A wrong solution, as a student writes it: header in one recv.
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9011
HEADER = struct.Struct("!I")
MAX_LENGTH = 16 << 20


def recv_exact(sock, n):
    """Exactly n bytes; fewer only when the server closed first."""
    data = b""
    while len(data) < n:
        piece = sock.recv(min(n - len(data), 1024))
        if not piece:
            break
        data += piece
    return data


client = socket.create_connection(("127.0.0.1", PORT), timeout=10)
while True:
    header = client.recv(4)
    if not header:
        break
    (length,) = HEADER.unpack(header)
    if length > MAX_LENGTH:
        sys.exit("error: the server announced %d bytes" % length)
    body = recv_exact(client, length)
    if len(body) < length:
        sys.exit("error: the server closed after %d of %d bytes" % (len(body), length))
    sys.stdout.write(body.decode("utf-8"))  # whole message, whole characters
client.close()
