# @task@
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9008  # sticky-learn gives the port
HEADER = struct.Struct("!I")  # 4 bytes, big endian, unsigned


def recv_exact(sock, n):
    """Exactly n bytes."""
    data = b""
    while len(data) < n:
        # en| TODO 1: when the client closes, recv() returns b"" — at once, every time.
        # en| This loop then never ends (and spins at 100% CPU): the next client is never
        # en| served. Stop when recv() returns b"" (return None, or raise EOFError and
        # en| catch it below).
        # zh| TODO 1：客户端关闭后，recv() 每次都立刻返回 b""。这个循环就永远不会结束（CPU 100%
        # zh| 空转），下一个客户端永远得不到服务。recv() 返回 b"" 时停下（返回 None，或者抛出
        # zh| EOFError 并在下面捕获）。
        data += sock.recv(n - len(data))
    return data


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once
server.bind(("127.0.0.1", PORT))
server.listen(5)
print("listening on 127.0.0.1:%d" % PORT, flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn:
            while True:
                (length,) = HEADER.unpack(recv_exact(conn, HEADER.size))
                body = recv_exact(conn, length)
                # en| TODO 2: an empty message (a header saying 0) is a message: answer it
                # en| (with an empty answer, a header saying 0). Only the client closing
                # en| ends the conversation, not an empty message.
                # zh| TODO 2：空消息（报头为 0）也是一条消息：要回答它（回一个空结果，报头为 0）。
                # zh| 结束对话的只能是客户端关闭，而不是空消息。
                if not body:
                    break
                conn.sendall(HEADER.pack(len(body)) + body.upper())
except KeyboardInterrupt:
    pass
