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

# en| TODO: send() returns how many bytes the kernel took — with a small buffer, a few KiB of
# en| a 1 MiB payload — and the rest is never sent. Send every byte: sendall(), or a loop
# en| that sends payload[sent:] until sent == len(payload).
# zh| TODO：send() 返回内核收下了多少字节——缓冲区很小时，1 MiB 里只收下几 KiB——剩下的
# zh| 永远不会发出去。要发完每个字节：用 sendall()，或者循环发送 payload[sent:]，直到
# zh| sent == len(payload)。
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
