# expect: cut | takes whatever one recv() returns for one name
# A wrong solution, as a student writes it: split each recv.
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9001

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", PORT))
server.listen(5)
print("listening on 127.0.0.1:%d" % PORT, flush=True)

try:
    while True:
        conn, addr = server.accept()
        # makefile("rb"): a buffered reader over the socket. readline() calls recv() as
        # often as it needs and keeps what follows the b"\n" for the next line.
        with conn:
            while True:
                data = conn.recv(1024)
                if not data:
                    break
                for line in data.split(b"\n"):  # two names in one recv(): both greeted
                    if line:
                        conn.sendall(("hello, %s!\n" % line.decode("utf-8")).encode("utf-8"))
except KeyboardInterrupt:
    pass
