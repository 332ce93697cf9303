# Correct, and it says something different every run: a client of lesson 05's command server
# that prints the port its socket got (the OS's pick) before the answers, read with
# recv_exact. Two uncut runs differ in that line, so it is no evidence.
import socket
import struct
import sys


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            sys.exit("server closed the connection")
        data += chunk
    return data


sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print("connected from port", sock.getsockname()[1])
for command in [b"echo hi", b"seq 20"]:
    sock.sendall(struct.pack("!I", len(command)) + command)
    (n,) = struct.unpack("!I", recv_exact(sock, 4))
    sys.stdout.write(recv_exact(sock, n).decode())
sock.close()
