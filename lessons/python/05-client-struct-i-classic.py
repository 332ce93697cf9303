#!/usr/bin/env python3
"""Lesson 05, the classic struct client, as the lessons write it: struct.unpack("i", recv(4)).
第 05 课经典的 struct 客户端：struct.unpack("i", recv(4))，照课程原样。

Its weak points, kept on purpose:
- it sends each command as it is, unframed: only the answers have a header (the half fix);
- it trusts recv(4) to return 4 bytes (struct.error if it returns fewer);
- it trusts the length: a hostile server's 2,147,483,647 makes it wait for 2 GiB;
- it has a timeout only because a program in a lesson must end.
Try it against a hostile server: build/bin/05-struct-prefix --role server --python-i --evil huge

  python3 05-client-struct-i-classic.py       against 05-server-struct-i-classic.py,
  or: build/bin/05-struct-prefix --role server --classic --python-i
"""
import argparse
import socket
import struct
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
        if cmd:
            yield cmd


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9005, help="server port (default: %(default)s)")
parser.add_argument("--command", action="append", help="a command to send (repeatable); default: a prompt")
args = parser.parse_args()

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((args.host, args.port))
client.settimeout(10)
try:
    for cmd in commands():
        client.send(cmd.encode("utf-8"))
        # 错误：以为 recv(4) 一定返回 4 个字节，而且对长度照单全收
        total = struct.unpack("i", client.recv(4))[0]  # assumes 4 bytes came, and trusts them
        data = b""
        while len(data) < total:
            piece = client.recv(1024)
            # 没有这个检查，数据流结束后循环会永远空转
            if not piece:  # without this check the loop would spin forever at end of stream
                sys.exit("the server closed after %d of %d bytes" % (len(data), total))
            data += piece
        sys.stdout.write(data.decode("utf-8"))
except socket.timeout:
    sys.exit("no answer within 10 s")
finally:
    client.close()
