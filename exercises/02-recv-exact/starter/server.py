# @task@
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9002  # sticky-learn gives the port
RECORD = 16  # every record is exactly 16 bytes


def recv_exact(sock, n):
    """Exactly n bytes; fewer only when the client closed first."""
    # TODO: recv(n) returns AT MOST n bytes: 1, 5, whatever has arrived (拆包, 半包).
    # Call recv() in a loop, asking each time for what is still missing, until you
    # have n bytes. When recv() returns b"" the client has closed: stop and return
    # what you have (a loop that goes on would spin for ever).
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
