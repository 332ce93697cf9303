# @task@
import socket
import struct
import sys

from builtin_commands import run_command  # the allow-list: never a shell

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9005  # sticky-learn gives the port

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
                # en| TODO 1: the command comes framed too: read a 4-byte "!I" header, then
                # en| exactly that many bytes (a recv_exact loop). One recv(1024) takes the
                # en| header as part of the command, and a command over 1024 bytes in pieces.
                # en| TODO 2: refuse a length over 1 MiB (1 << 20) before reading the body:
                # en| close the connection. A hostile header can announce 4 GiB.
                # en| TODO 3: an empty command (a header saying 0) is a command like any
                # en| other: answer it. Only recv() returning b"" between two commands means
                # en| the client has closed.
                # zh| TODO 1：命令也带报头：先读 4 字节 "!I" 报头，再读正好那么多字节（recv_exact 循环）。
                # zh| 一次 recv(1024) 会把报头当成命令的一部分，超过 1024 字节的命令还会被分成几段。
                # zh| TODO 2：读正文之前，拒绝超过 1 MiB（1 << 20）的长度：关闭连接。恶意的报头可以声称有 4 GiB。
                # zh| TODO 3：空命令（报头为 0）和别的命令一样：要回答。只有在两条命令之间 recv() 返回 b""，
                # zh| 才表示客户端已经关闭。
                cmd = conn.recv(1024)
                if not cmd:
                    break  # the client closed
                res = run_command(cmd.decode("utf-8", errors="replace"))
                # en| TODO 4: struct.pack("i") is the machine's byte order and size; the
                # en| header here is struct.pack("!I", n): network order, 4 bytes, unsigned.
                # en| Header and body in one sendall() (two sends stall: lesson 06).
                # zh| TODO 4：struct.pack("i") 用的是本机的字节序和大小；这里的报头是
                # zh| struct.pack("!I", n)：网络字节序、4 字节、无符号。报头和正文一次 sendall()（分两次发会卡住：第 06 课）。
                conn.send(struct.pack("i", len(res)))
                conn.sendall(res)
except KeyboardInterrupt:
    pass
