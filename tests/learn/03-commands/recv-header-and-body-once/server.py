# expect: cut | assumes one recv() returns the whole 4-byte header
# A wrong solution, as a student writes it: recv header and body once.
import socket
import struct
import sys

from builtin_commands import run_command

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9003
HEADER = struct.Struct("!I")  # 4 bytes, big endian (network order), unsigned
MAX_LENGTH = 1 << 20          # no command is longer; a bigger length is a broken peer


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
    """One whole message, or None when the client closed between two messages."""
    first = sock.recv(HEADER.size)
    if not first:
        return None
    (length,) = HEADER.unpack(first + recv_exact(sock, HEADER.size - len(first)))
    if length > MAX_LENGTH:
        raise ValueError("length %d is over %d" % (length, MAX_LENGTH))
    return recv_exact(sock, length)


def send_message(sock, body):
    sock.sendall(HEADER.pack(len(body)) + body)  # header and body in one call


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", PORT))
server.listen(5)
print("listening on 127.0.0.1:%d" % PORT, flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn:
            try:
                while True:
                    header = conn.recv(4)
                    if not header:
                        break
                    (length,) = HEADER.unpack(header)
                    cmd = conn.recv(length)
                    send_message(conn, run_command(cmd.decode("utf-8", errors="replace")))
            except (EOFError, ValueError, ConnectionError) as error:
                print("client %s:%d: %s" % (addr[0], addr[1], error), flush=True)
except KeyboardInterrupt:
    pass
