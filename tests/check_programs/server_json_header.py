# Correct: the protocol of realpython's socket tutorial. Each message is a 2-byte big-endian
# length, a JSON header that long (its "content-length" is the body's), then the body; the
# answer is framed the same way. Every part is read with recv_exact. --framing json-header
import json
import socket
import struct
import sys


def recv_exact(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def send_message(conn, body):
    header = json.dumps({"content-length": len(body), "content-type": "text/plain",
                         "content-encoding": "utf-8", "byteorder": sys.byteorder}).encode()
    conn.sendall(struct.pack('>H', len(header)) + header + body)


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(('127.0.0.1', int(sys.argv[1])))
listener.listen(5)
while True:
    conn, _ = listener.accept()
    with conn:
        while True:
            prefix = recv_exact(conn, 2)
            if prefix is None:
                break
            (header_length,) = struct.unpack('>H', prefix)
            header = json.loads(recv_exact(conn, header_length))
            body = recv_exact(conn, header["content-length"])
            if body is None:
                break
            send_message(conn, b'echo: ' + body)
