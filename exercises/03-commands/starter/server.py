# @task@
import socket
import struct
import sys

from builtin_commands import run_command  # the allow-list: never a shell

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9003  # sticky-learn gives the port

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
                # en| TODO: the command comes framed: a 4-byte header, struct.pack("!I", n),
                # en| then n bytes. Read exactly 4 bytes, unpack n, read exactly n bytes
                # en| (a recv_exact loop), and stop when the client closes between commands.
                # zh| TODO：命令带报头到达：4 字节报头 struct.pack("!I", n)，然后是 n 个字节。先读正好
                # zh| 4 个字节，解出 n，再读正好 n 个字节（recv_exact 循环）；客户端在两条命令之间关闭时停下。
                cmd = conn.recv(1024)
                if not cmd:
                    break  # the client closed
                res = run_command(cmd.decode("utf-8", errors="replace"))
                # en| TODO: frame the answer too: its 4-byte header and the body in one sendall().
                # zh| TODO：结果也要加报头：4 字节报头和正文一次 sendall() 发出。
                conn.sendall(res)
except KeyboardInterrupt:
    pass
