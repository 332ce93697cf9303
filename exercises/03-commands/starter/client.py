# @task@
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9003  # sticky-learn gives the port
COMMANDS = sys.argv[2:] or ["seq 400", "echo hi"]        # ... and the commands

client = socket.create_connection(("127.0.0.1", PORT), timeout=10)
for cmd in COMMANDS:
    # en| TODO: frame the command: struct.pack("!I", len(body)) + body, in one sendall().
    # zh| TODO：给命令加报头：struct.pack("!I", len(body)) + body，一次 sendall() 发出。
    client.sendall(cmd.encode("utf-8"))
    # en| TODO: one recv(1024) is not one answer: `seq 400` is 1,492 bytes, and the rest
    # en| would leak into the next answer. Read the 4-byte header, then exactly that many
    # en| bytes (a recv_exact loop), then print the whole answer.
    # zh| TODO：一次 recv(1024) 不等于一个结果：`seq 400` 有 1,492 字节，剩下的会漏进下一个
    # zh| 结果。先读 4 字节报头，再读正好那么多字节（recv_exact 循环），然后打印完整的结果。
    data = client.recv(1024)
    if not data:
        print("the server closed the connection")
        break
    sys.stdout.write(data.decode("utf-8", errors="replace"))
client.close()
