# Correct, and chatty: a client of lesson 05's command server that reads each answer with
# recv(16) in a loop until it has all of it, and logs every chunk it got on stdout ("chunk
# 16 bytes"). How the answer came in differs with every cut, so those lines do too: check
# it with --ignore '^chunk '.
import socket
import struct
import sys

COMMANDS = [b"echo hi", b"seq 30", b"echo bye"]


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(min(16, n - len(data)))
        if not chunk:
            sys.exit("server closed the connection")
        print("chunk %d bytes" % len(chunk))
        data += chunk
    return data


sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for command in COMMANDS:
    sock.sendall(struct.pack("!I", len(command)) + command)
    (n,) = struct.unpack("!I", recv_exact(sock, 4))
    body = recv_exact(sock, n)
    print("answer:", body.decode().replace("\n", " ").strip())
sock.close()
