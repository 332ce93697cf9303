# @task@
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9010  # sticky-learn gives the port
PATH = sys.argv[2] if len(sys.argv) > 2 else __file__     # ... and the file to upload

with open(PATH, "rb") as f:
    data = f.read()
payload = struct.pack("!I", len(data)) + data  # a 4-byte header, then the file

client = socket.create_connection(("127.0.0.1", PORT))
client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # a small send buffer (keep it)
client.settimeout(10)  # with a timeout, send() never blocks for all of it (keep it)

# TODO: send() returns how many bytes the kernel took — with a small buffer, a few KiB of
# a 1 MiB payload — and the rest is never sent. Send every byte: sendall(), or a loop
# that sends payload[sent:] until sent == len(payload).
client.send(payload)

client.shutdown(socket.SHUT_WR)  # "that was all": the server answers once it sees the end
answer = b""
while True:
    piece = client.recv(1024)
    if not piece:
        break
    answer += piece
print(answer.decode("utf-8"), end="")  # what the server received
client.close()
