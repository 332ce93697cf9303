# Exercise 03, a reference solution (client): frame each command, read each whole answer.
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9003
COMMANDS = sys.argv[2:] or ["seq 400", "echo hi"]
HEADER = struct.Struct("!I")


def recv_exact(sock, n):
    """Exactly n bytes; EOFError if the server closes first."""
    data = b""
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            raise EOFError("the server closed after %d of %d bytes" % (len(data), n))
        data += piece
    return data


client = socket.create_connection(("127.0.0.1", PORT), timeout=10)
try:
    for cmd in COMMANDS:
        body = cmd.encode("utf-8")
        client.sendall(HEADER.pack(len(body)) + body)
        (length,) = HEADER.unpack(recv_exact(client, HEADER.size))
        answer = recv_exact(client, length)
        sys.stdout.write(answer.decode("utf-8", errors="replace"))  # decoded once it is whole
except EOFError as error:
    sys.exit("error: %s" % error)
finally:
    client.close()
