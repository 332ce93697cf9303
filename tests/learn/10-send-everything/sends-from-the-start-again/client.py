# expect: sent_differs | sent the payload again from its first byte
# A wrong solution, as a student writes it: sends from the start again.
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

sent = 0
while sent < len(payload):
    sent += client.send(payload)  # until the count adds up

client.shutdown(socket.SHUT_WR)  # "that was all": the server answers once it sees the end
answer = b""
while True:
    piece = client.recv(1024)
    if not piece:
        break
    answer += piece
print(answer.decode("utf-8"), end="")  # what the server received
client.close()
