# Correct, and it speaks first: after accept it sends a greeting line, then answers every
# line it reads with "echo: " and the line. makefile() reads whole lines. --framing line
import socket
import sys

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(('127.0.0.1', int(sys.argv[1])))
listener.listen(5)
while True:
    conn, _ = listener.accept()
    with conn, conn.makefile('rb') as lines:
        conn.sendall(b'welcome to the echo server; words: hello world egon\n')
        for line in lines:
            conn.sendall(b'echo: ' + line)
