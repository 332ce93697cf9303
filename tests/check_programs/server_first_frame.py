# Mistake: reads until one frame is complete, answers it, and drops whatever else the
# reads brought (the start of the next message).
import socket
import struct
import sys

port = int(sys.argv[1])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', port))
server.listen(5)
while True:
    conn, addr = server.accept()
    while True:
        data = conn.recv(65536)
        if not data:
            break
        while len(data) < 4:
            more = conn.recv(65536)
            if not more:
                break
            data += more
        n = struct.unpack('!I', data[:4])[0]
        if n > 1 << 24:  # not a length we accept: close the connection
            break
        while len(data) < 4 + n:
            more = conn.recv(65536)
            if not more:
                break
            data += more
        body = data[4:4 + n]                  # data[4 + n:] is thrown away
        conn.sendall(struct.pack('!I', len(body)) + body)
    conn.close()
