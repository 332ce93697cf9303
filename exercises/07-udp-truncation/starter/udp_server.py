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
        # en| TODO: a datagram longer than the buffer is cut to 1024 bytes and the rest is
        # en| gone; recvfrom() does not say so, and len(data) can never be more than 1024.
        # en| recvmsg() returns the flags too: when flags & socket.MSG_TRUNC is set, the
        # en| datagram did not fit. Answer such a datagram with exactly b"too long".
        # zh| TODO：比缓冲区长的数据报会被截成 1024 字节，剩下的丢了；recvfrom() 不会告诉你，
        # zh| len(data) 也永远不会超过 1024。recvmsg() 还会返回标志位：flags & socket.MSG_TRUNC
        # zh| 为真时，说明数据报没装下。对这样的数据报，回答正好 b"too long"。
        data, addr = server.recvfrom(LIMIT)
        server.sendto(data.upper(), addr)  # an empty datagram gets an empty answer
except KeyboardInterrupt:
    pass
