# Exercise 10's server: reads a 4-byte "!I" header and then everything until the client
# shuts down its side; answers what arrived, and closes.
#   python3 peer.py PORT
import socket
import struct
import sys
import threading
import zlib


def serve(conn):
    with conn:
        conn.settimeout(10)
        data = b""
        try:
            while True:
                piece = conn.recv(65536)
                if not piece:
                    break
                data += piece
        except (socket.timeout, ConnectionError):
            pass
        if len(data) < 4:
            conn.sendall(b"received %d bytes: not even a header\n" % len(data))
            return
        (length,) = struct.unpack("!I", data[:4])
        body = data[4:]
        conn.sendall(b"received %d of %d bytes, crc32 %08x\n" % (len(body), length, zlib.crc32(body)))


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(16)
print("listening on 127.0.0.1:%s" % sys.argv[1], flush=True)
try:
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
except KeyboardInterrupt:
    pass
