# expect: cut | reads ahead and loses the rest
# A wrong solution, as a student writes it: reader per line.
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
                line = conn.makefile("rb").readline()  # a new reader for every line
                if not line:
                    break
                if not line.endswith(b"\n"):
                    break  # the stream ended inside a line: not a whole name
                name = line[:-1].decode("utf-8")
                conn.sendall(("hello, %s!\n" % name).encode("utf-8"))
except KeyboardInterrupt:
    pass
