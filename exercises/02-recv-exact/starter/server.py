# @task@
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9002  # sticky-learn gives the port
RECORD = 16  # every record is exactly 16 bytes


def recv_exact(sock, n):
    """Exactly n bytes; fewer only when the client closed first."""
    # en| TODO: recv(n) returns AT MOST n bytes: 1, 5, whatever has arrived (拆包, 半包).
    # en| Call recv() in a loop, asking each time for what is still missing, until you
    # en| have n bytes. When recv() returns b"" the client has closed: stop and return
    # en| what you have (a loop that goes on would spin for ever).
    # zh| TODO：recv(n) 最多返回 n 个字节：1 个、5 个，已经到达多少就返回多少（拆包、半包）。
    # zh| 在循环里调用 recv()，每次只要还缺的部分，直到凑满 n 个字节。recv() 返回 b"" 说明
    # zh| 客户端已经关闭：停下来，返回已经收到的部分（继续循环就会永远空转）。
    return sock.recv(n)


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
                record = recv_exact(conn, RECORD)
                if len(record) < RECORD:
                    break  # fewer than 16 bytes: the client closed
                conn.sendall(record[::-1])  # the record, back to front
except KeyboardInterrupt:
    pass
