# @task@
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9011  # sticky-learn gives the port
HEADER = struct.Struct("!I")  # 4 bytes, big endian, unsigned


def recv_exact(sock, n):
    """Exactly n bytes; fewer only when the server closed first."""
    data = b""
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            break
        data += piece
    return data


client = socket.create_connection(("127.0.0.1", PORT), timeout=10)
while True:
    header = recv_exact(client, HEADER.size)
    if len(header) < HEADER.size:
        break  # the server has sent everything and closed
    (length,) = HEADER.unpack(header)
    received = 0
    while received < length:
        data = client.recv(min(1024, length - received))
        if not data:
            break
        received += len(data)
        # en| TODO: a recv() can end inside a character: 执 is 3 bytes in UTF-8, and a
        # en| piece that holds only its first byte cannot be decoded (UnicodeDecodeError;
        # en| with errors="replace" you get � instead). Read the whole message first
        # en| (recv_exact(client, length)), then decode it once.
        # zh| TODO：一次 recv() 可能在一个字符中间结束："执" 在 UTF-8 里是 3 个字节，只含它第一个
        # zh| 字节的那一段无法解码（UnicodeDecodeError；用 errors="replace" 则会得到 �）。先把整条
        # zh| 消息读完（recv_exact(client, length)），再一次解码。
        sys.stdout.write(data.decode("utf-8"))
client.close()
