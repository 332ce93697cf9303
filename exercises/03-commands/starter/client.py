# @task@
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9003  # sticky-learn gives the port
COMMANDS = sys.argv[2:] or ["seq 400", "echo hi"]        # ... and the commands

client = socket.create_connection(("127.0.0.1", PORT), timeout=10)
for cmd in COMMANDS:
    # TODO: frame the command: struct.pack("!I", len(body)) + body, in one sendall().
    client.sendall(cmd.encode("utf-8"))
    # TODO: one recv(1024) is not one answer: `seq 400` is 1,492 bytes, and the rest
    # would leak into the next answer. Read the 4-byte header, then exactly that many
    # bytes (a recv_exact loop), then print the whole answer.
    data = client.recv(1024)
    if not data:
        print("the server closed the connection")
        break
    sys.stdout.write(data.decode("utf-8", errors="replace"))
client.close()
