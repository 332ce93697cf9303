#!/usr/bin/env python3
"""Lesson 03, the classic remote-command client (the mistake): one recv(1024) per answer.
第 03 课经典的远程命令客户端（错误示范）：每个结果只 recv(1024) 一次。

Type `seq 400` (a 1,492-byte answer), then `echo hi`: the second answer begins with the
468 bytes of the first that did not fit, and every answer after that is one step behind.

  python3 03-client-commands-naive.py         a >> prompt; `quit` or Ctrl-D ends
  python3 03-client-commands-naive.py --command 'seq 400' --command 'echo hi'
Against 03-server-commands-naive.py, or: build/bin/03-command-desync --role server
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
        # 绝不发送 b""：它什么也不发，对方的 recv() 会一直等（第 08 课）
        if cmd:  # never send b"": it sends nothing, and recv() would wait forever (lesson 08)
            yield cmd


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9003, help="server port (default: %(default)s)")
parser.add_argument("--command", action="append", help="a command to send (repeatable); default: a prompt")
args = parser.parse_args()

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((args.host, args.port))
client.settimeout(10)  # an out-of-step client may wait for an answer that never comes
try:
    for cmd in commands():
        client.send(cmd.encode("utf-8"))
        # 错误所在：一次 recv() 不等于一个结果，超过 1024 字节的部分会混进下一个结果
        data = client.recv(1024)  # the mistake: one recv() is not one answer
        if not data:
            print("the server closed the connection")
            break
        # errors="replace": a recv() can also end inside a character (lesson 11)
        sys.stdout.write(data.decode("utf-8", errors="replace"))
except socket.timeout:
    print("no answer within 10 s: the client is out of step with the server", file=sys.stderr)
    sys.exit(1)
finally:
    client.close()
