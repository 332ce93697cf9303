# expect: no_answer | does not answer the empty datagram
# A wrong solution, as a student writes it: skips empty.
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9007
LIMIT = 1024

server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", PORT))
print("listening on 127.0.0.1:%d" % PORT, flush=True)

try:
    while True:
        data, _, flags, addr = server.recvmsg(LIMIT)  # one datagram, whole or cut
        if not data:
            continue  # nothing to answer
        if flags & socket.MSG_TRUNC:  # it was longer than LIMIT: the rest is gone
            server.sendto(b"too long", addr)
        else:
            server.sendto(data.upper(), addr)  # b"" is a datagram too: it gets b""
except KeyboardInterrupt:
    pass
