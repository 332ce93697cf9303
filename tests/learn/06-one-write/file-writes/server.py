# expect: two_writes | in two send() calls
# A wrong solution, as a student writes it: file writes.
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9006  # sticky-learn gives the port
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
    """One whole message, or None when the client closed between two messages."""
    first = sock.recv(HEADER.size)
    if not first:
        return None
    (length,) = HEADER.unpack(first + recv_exact(sock, HEADER.size - len(first)))
    if length > MAX_LENGTH:
        raise ValueError("length %d is over %d" % (length, MAX_LENGTH))
    return recv_exact(sock, length)


def send_message(sock, body):
    out = sock.makefile("wb", buffering=0)
    out.write(HEADER.pack(len(body)))
    out.write(body)


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
                    msg = recv_message(conn)
                    if msg is None:
                        break
                    send_message(conn, msg.upper())  # the answer: the message in capitals
            except (EOFError, ValueError, ConnectionError) as error:
                print("client %s:%d: %s" % (addr[0], addr[1], error), flush=True)
except KeyboardInterrupt:
    pass
