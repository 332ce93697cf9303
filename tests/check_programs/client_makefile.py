# A correct client on a file object: makefile('rb').read(n) loops until n bytes.
import socket
import struct
import sys

COMMANDS = [b"echo hi", b"seq 400", b"echo bye"]

sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
reader = sock.makefile("rb")
for command in COMMANDS:
    sock.sendall(struct.pack("!I", len(command)) + command)  # commands are framed too
    header = reader.read(4)
    if len(header) < 4:
        sys.exit("server closed the connection")
    n = struct.unpack("!I", header)[0]
    if n > 1 << 24:
        sys.exit("not a length: %d" % n)
    body = reader.read(n)
    if len(body) < n:
        sys.exit("server closed the connection")
    sys.stdout.write(body.decode())
sock.close()
