#!/usr/bin/env python3
"""Lesson 05, the classic struct version, as the lessons write it: struct.pack("i", len(res)).
第 05 课经典的 struct 服务端：struct.pack("i", len(res))，照课程原样。

It works on one machine, and it is what many programs in the wild speak, so our fixed
programs and demos can speak it too (--python-i, with --classic or --unframed-commands for
its unframed commands). Its weak points, kept on purpose:
- "i" is native: little-endian, 4 bytes, signed on x86 — another machine may disagree;
- the header and the body go out in two send() calls: the 40 ms stall of lesson 06;
- commands are not framed: each is whatever one recv(1024) returns.

  python3 05-server-struct-i-classic.py       then: python3 05-client-struct-i-classic.py
                                              or:   build/bin/05-struct-prefix --role client --classic --python-i
"""
import argparse
import fcntl
import re
import socket
import struct
import sys


# ---- The commands this server knows, and nothing else ----------------------------------
# 本服务端只认识下面几条内置命令，别的一概不执行。
# The classic lesson runs whatever the client sends:
#     subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
# Never do that: a server that hands a peer's text to a shell lets anyone who can reach the
# port run any program on your machine (remote code execution). So the command is looked
# up in this allow-list, written in Python; no shell, no subprocess, ever. The servers of
# lessons 03, 04 and 05 each carry this same copy, so each file runs on its own. The C++
# demos know the same commands (demos/harness/commands.cpp; their ifconfig lists IPv6 too).
# 千万不要把对端发来的文本交给 shell 执行：那等于让任何连得上这个端口的人在你的机器上
# 运行任意程序（远程代码执行）。这里只查白名单，从不启动 shell 或子进程。

# An empty answer would leave a recv(1024) client waiting forever: send() of b"" sends
# nothing at all (lesson 08). So a command that prints nothing answers this instead.
# 空的结果什么也发不出去（第 08 课），recv(1024) 的客户端会一直等，所以改发这句话。
EMPTY_ANSWER = b"(the command printed nothing)\n"

LOREM = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua. ")


def number(text, low, high):
    """The whole text as a number from low to high, else None."""
    if not re.fullmatch(r"-?[0-9]+", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def interfaces():
    """Network interfaces and their IPv4 addresses (like ifconfig, much shorter)."""
    lines = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            try:  # SIOCGIFADDR: ask the kernel for the interface's IPv4 address
                reply = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))
            except OSError:
                continue  # no IPv4 address on this interface
            lines.append("%-10s %-5s %s\n" % (name, "inet", socket.inet_ntoa(reply[20:24])))
    return "".join(lines)


def run_command(line):
    """The answer to one command line, as bytes. Never empty."""
    line = line.strip()
    name, _, arg = line.partition(" ")
    arg = arg.strip()
    if name == "help":
        out = "commands: help, seq N (1..N, one per line), echo TEXT, lorem N (N bytes of text), ifconfig\n"
    elif name == "seq":
        n = number(arg, 0, 100000)
        if n is None:
            return b"seq: N must be a number from 0 to 100000\n"
        out = "".join("%d\n" % i for i in range(1, n + 1))
    elif name == "echo":
        out = arg + "\n"
    elif name == "lorem":
        n = number(arg, 0, 1 << 20)
        if n is None:
            return b"lorem: N must be a number from 0 to 1048576\n"
        out = (LOREM * (n // len(LOREM) + 1))[:n]
    elif name == "ifconfig":
        out = interfaces()
    else:
        out = "command not found: %s%s\n" % (line[:60], "…" if len(line) > 60 else "")
    return out.encode("utf-8") or EMPTY_ANSWER
# ---- end of the commands ------------------------------------------------------------------


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9005, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="serve one connection, then exit")
args = parser.parse_args()

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl-C
server.bind((args.host, args.port))
server.listen(5)
print("listening on %s:%d" % server.getsockname()[:2], flush=True)

try:
    while True:
        conn, addr = server.accept()
        with conn:
            try:
                while True:
                    # 命令不带报头：一次 recv(1024) 读到什么就当成一条命令（只修了一半）
                    cmd = conn.recv(1024)
                    if not cmd:
                        break  # the client closed
                    res = run_command(cmd.decode("utf-8", errors="replace"))
                    # 本机字节序的 4 字节报头，而且报头和正文分两次发出（第 06 课的停顿）
                    conn.send(struct.pack("i", len(res)))  # 4 bytes, the machine's byte order
                    conn.sendall(res)                      # a second call: see lesson 06
            except ConnectionResetError:
                pass  # the client vanished: serve the next one
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
