#!/usr/bin/env python3
"""Lesson 04, the classic handshake client: read the length, say b"ready", read the body.
第 04 课经典的握手客户端：读长度，回 b"ready"，再读正文。

The flaw: it trusts one recv(1024) to return exactly the length's digits. On one machine
that usually holds; when something between the programs re-cuts the stream (a proxy, a
relay, TLS) the digits can arrive in pieces, and the client takes b"1" for the length of a
141-byte answer. Try it through our relay:

  build/bin/04-naive-handshake --role server
  build/bin/relay --port 9100 --to 127.0.0.1:9004 --split down:1
  python3 04-client-ready-handshake.py --port 9100 --command 'seq 50' --command 'echo hi'
"""
import argparse
import socket
import sys


def commands():
    """--command arguments, or lines typed at a >> prompt."""
    if args.command:
        for cmd in args.command:
            print(">> " + cmd)
            yield cmd
        return
    while True:
        try:
            cmd = input(">> ").strip()
        except EOFError:
            return
        if cmd in ("quit", "exit"):
            return
        if cmd:  # never send b"": it sends nothing at all (lesson 08)
            yield cmd


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9004, help="server port (default: %(default)s)")
parser.add_argument("--command", action="append", help="a command to send (repeatable); default: a prompt")
args = parser.parse_args()

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((args.host, args.port))
client.settimeout(10)  # an out-of-step client may wait for bytes that never come
try:
    for cmd in commands():
        client.send(cmd.encode("utf-8"))
        # 缺陷：以为一次 recv() 恰好拿到完整的长度数字；字节流被重新切分时就会读错
        digits = client.recv(1024)  # the flaw: assumes this is exactly the whole number
        length = int(digits.decode("utf-8"))
        print("(the server says %d bytes)" % length)
        client.send(b"ready")
        data = b""
        while len(data) < length:
            piece = client.recv(1024)
            # 数据流结束：没有这个检查，循环会永远空转
            if not piece:  # end of stream: without this check the loop would spin forever
                sys.exit("the server closed after %d of %d bytes" % (len(data), length))
            data += piece
        sys.stdout.write(data.decode("utf-8", errors="replace"))
except ValueError:
    sys.exit("the length was not a number: %r — the client is out of step" % digits[:40])
except socket.timeout:
    sys.exit("no answer within 10 s: the client is out of step with the server")
finally:
    client.close()
