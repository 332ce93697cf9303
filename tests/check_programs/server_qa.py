# Correct, framed differently each way: questions end in '?', answers in '.'. Bytes are
# kept in a buffer until a whole question is there, so any cut is fine. Check it with
# --framing up:delimiter:? --framing down:delimiter:.
import socket
import sys

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(('127.0.0.1', int(sys.argv[1])))
listener.listen(5)
while True:
    conn, _ = listener.accept()
    with conn:
        pending = b''
        while True:
            data = conn.recv(4096)
            if not data:
                break
            pending += data
            while b'?' in pending:
                question, pending = pending.split(b'?', 1)
                conn.sendall(b'you asked: ' + question.upper() + b'.')
