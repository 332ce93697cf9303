# Mistake: sock.recv(4) is assumed to return the whole header.
import socket
import struct
import sys

COMMANDS = [b"echo hi", b"seq 400", b"echo bye"]


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            sys.exit("server closed the connection")
        data += chunk
    return data


sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for command in COMMANDS:
    sock.sendall(struct.pack("!I", len(command)) + command)  # commands are framed too
    header = sock.recv(4)                   # may return 1, 2 or 3 bytes
    n = struct.unpack("!I", header)[0]
    if n > 1 << 24:
        sys.exit("not a length: %d" % n)
    body = recv_exact(sock, n)
    sys.stdout.write(body.decode())
sock.close()
