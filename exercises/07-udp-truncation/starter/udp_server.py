# @task@
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9007  # sticky-learn gives the port
LIMIT = 1024  # the longest datagram this server accepts

server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", PORT))
print("listening on 127.0.0.1:%d" % PORT, flush=True)

try:
    while True:
        # TODO: a datagram longer than the buffer is cut to 1024 bytes and the rest is
        # gone; recvfrom() does not say so, and len(data) can never be more than 1024.
        # recvmsg() returns the flags too: when flags & socket.MSG_TRUNC is set, the
        # datagram did not fit. Answer such a datagram with exactly b"too long".
        data, addr = server.recvfrom(LIMIT)
        server.sendto(data.upper(), addr)  # an empty datagram gets an empty answer
except KeyboardInterrupt:
    pass
