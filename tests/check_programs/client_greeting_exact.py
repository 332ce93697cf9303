# Correct client of server_speaks_first.py: reads the greeting and every answer as whole
# lines (makefile().readline()), and prints them.
import socket
import sys

sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
lines = sock.makefile("rb")
print("greeting:", lines.readline().decode().strip())
for word in ["hello", "world", "粘包"]:
    sock.sendall(word.encode() + b"\n")
    print(lines.readline().decode().strip())
sock.close()
