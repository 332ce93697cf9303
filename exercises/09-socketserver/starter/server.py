# @task@
import socketserver
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9009  # sticky-learn gives the port
HEADER = struct.Struct("!I")  # 4 bytes, big endian, unsigned


class UpperHandler(socketserver.BaseRequestHandler):
    """One client: every framed message answered, framed, in capitals."""

    def handle(self):
        while True:
            # en| TODO: self.request is the bare socket, and recv(4) may return 1, 2 or 3
            # en| bytes; recv(length) may return part of the body. Derive the handler from
            # en| socketserver.StreamRequestHandler instead: self.rfile.read(n) waits for
            # en| exactly n bytes (fewer only when the client closed), and
            # en| self.wfile.write(header + body) sends in one write.
            # zh| TODO：self.request 是裸套接字，recv(4) 可能只返回 1、2 或 3 个字节；recv(length)
            # zh| 可能只返回正文的一部分。把处理器改成继承 socketserver.StreamRequestHandler：
            # zh| self.rfile.read(n) 会等到正好 n 个字节（只有客户端关闭时才会少），
            # zh| self.wfile.write(header + body) 一次写出。
            header = self.request.recv(4)
            if not header:
                break  # the client closed
            (length,) = HEADER.unpack(header)
            body = self.request.recv(length)
            self.request.sendall(HEADER.pack(len(body)) + body.upper())


socketserver.ThreadingTCPServer.allow_reuse_address = True  # restart at once
socketserver.ThreadingTCPServer.daemon_threads = True       # Ctrl-C does not wait
with socketserver.ThreadingTCPServer(("127.0.0.1", PORT), UpperHandler) as server:
    print("listening on 127.0.0.1:%d" % PORT, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
