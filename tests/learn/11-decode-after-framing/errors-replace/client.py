# expect: output_differs | with errors="replace"
# A wrong solution, as a student writes it: errors replace.
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
    header = recv_exact(client, HEADER.size)
    if len(header) < HEADER.size:
        break
    (length,) = HEADER.unpack(header)
    if length > MAX_LENGTH:
        sys.exit("error: the server announced %d bytes" % length)
    received = 0
    while received < length:
        data = client.recv(min(1024, length - received))
        if not data:
            break
        received += len(data)
        sys.stdout.write(data.decode("utf-8", errors="replace"))  # no more UnicodeDecodeError
client.close()
