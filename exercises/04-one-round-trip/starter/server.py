# @task@
import socket
import struct
import sys

from builtin_commands import run_command  # the allow-list: never a shell

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9004  # sticky-learn gives the port
HEADER = struct.Struct("!I")  # 4 bytes, big endian, unsigned
MAX_LENGTH = 1 << 20


def recv_exact(sock, n):
    """Exactly n bytes; EOFError if the client closes first."""
    data = b""
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            raise EOFError("the client closed after %d of %d bytes" % (len(data), n))
        data += piece
    return data


def recv_message(sock):
    """One whole command (it comes framed), or None when the client closed."""
    first = sock.recv(HEADER.size)
    if not first:
        return None
    (length,) = HEADER.unpack(first + recv_exact(sock, HEADER.size - len(first)))
    if length > MAX_LENGTH:
        raise ValueError("length %d is over %d" % (length, MAX_LENGTH))
    return recv_exact(sock, length)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once
server.bind(("127.0.0.1", PORT))
server.listen(5)
print("listening on 127.0.0.1:%d" % PORT, flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn:
            try:
                while True:
                    cmd = recv_message(conn)
                    if cmd is None:
                        break
                    res = run_command(cmd.decode("utf-8", errors="replace"))
                    # en| TODO: the handshake below costs one more round trip per command
                    # en| (the client must answer b"ready" before it gets the body), and a
                    # en| client that reads the digits with one recv() can get half of them.
                    # en| Send instead one 4-byte header, HEADER.pack(len(res)), and the body,
                    # en| together in one sendall(): no "ready", no waiting.
                    # zh| TODO：下面的握手让每条命令多一个往返（客户端要先回答 b"ready" 才能拿到正文），
                    # zh| 而且用一次 recv() 读数字的客户端可能只读到一半。改成发送一个 4 字节报头
                    # zh| HEADER.pack(len(res)) 和正文，一次 sendall() 一起发出：不要 "ready"，不要等待。
                    conn.sendall(str(len(res)).encode("utf-8"))  # the length, as text
                    ready = conn.recv(1024)
                    if ready != b"ready":
                        break
                    conn.sendall(res)
            except (EOFError, ValueError, ConnectionError) as error:
                print("client %s:%d: %s" % (addr[0], addr[1], error), flush=True)
except KeyboardInterrupt:
    pass
