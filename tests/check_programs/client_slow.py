# A correct client that is slow: it sleeps before every recv(), so answer pieces pile up.
import socket
import struct
import sys
import time

COMMANDS = [b"echo hi", b"seq 400", b"echo bye"]


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        time.sleep(0.003)
        chunk = sock.recv(n - len(data))
        if not chunk:
            sys.exit("server closed the connection")
        data += chunk
    return data


sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for command in COMMANDS:
    sock.sendall(struct.pack("!I", len(command)) + command)  # commands are framed too
    header = recv_exact(sock, 4)
    n = struct.unpack("!I", header)[0]
    if n > 1 << 24:
        sys.exit("not a length: %d" % n)
    body = recv_exact(sock, n)
    sys.stdout.write(body.decode())
sock.close()
