# @task@
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9001  # sticky-learn gives the port

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once
server.bind(("127.0.0.1", PORT))
server.listen(5)
print("listening on 127.0.0.1:%d" % PORT, flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn:
            while True:
                # en| TODO: one recv() is not one line. It may hold two names
                # en| ("alice\nbob\n", 粘包) or half of one ("ali", 拆包). Read line by
                # en| line instead: conn.makefile("rb") gives a reader whose readline()
                # en| (or `for line in reader`) finds each b"\n" however the bytes came.
                # zh| TODO：一次 recv() 不等于一行。它可能包含两个名字（"alice\nbob\n"，粘包），
                # zh| 也可能只有半个（"ali"，拆包）。改成按行读取：conn.makefile("rb") 返回一个读取器，
                # zh| 它的 readline()（或 `for line in reader`）无论字节怎样到达，都能找到每个 b"\n"。
                data = conn.recv(1024)
                if not data:
                    break  # the client closed
                name = data.decode("utf-8").strip()
                conn.sendall(("hello, %s!\n" % name).encode("utf-8"))
except KeyboardInterrupt:
    pass
