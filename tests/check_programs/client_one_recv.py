# Mistake: whatever one recv() returns is taken as one whole answer.
import socket
import struct
import sys

COMMANDS = [b"echo hi", b"seq 400", b"echo bye"]

sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for command in COMMANDS:
    sock.sendall(struct.pack("!I", len(command)) + command)  # commands are framed too
    data = sock.recv(1 << 20)
    body = data[4:]                          # "the rest of this recv is the answer"
    sys.stdout.write(body.decode())
sock.close()
