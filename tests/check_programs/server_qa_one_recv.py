# Mistake: the question/answer server ('?' ends a question, '.' an answer) that takes
# whatever one recv() returns for one question.
import socket
import sys

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(('127.0.0.1', int(sys.argv[1])))
listener.listen(5)
while True:
    conn, _ = listener.accept()
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                break
            question = data.rstrip(b'?')      # "one recv() is one question"
            conn.sendall(b'you asked: ' + question.upper() + b'.')
