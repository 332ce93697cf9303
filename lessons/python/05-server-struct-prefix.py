#!/usr/bin/env python3
"""Lesson 05, the fix: every message is a 4-byte length header, then that many bytes.
第 05 课的正解：每条消息都是 4 字节长度报头，加上那么多字节的正文。

Both directions are framed — the commands as well as the answers — so neither side ever
guesses where a message ends. The header is struct.pack("!I", n): network byte order
(big-endian), unsigned, always 4 bytes. Not the classic struct.pack("i", n): "i" uses the
machine's own byte order and size, so two machines can disagree about it, and it is
signed, so a broken or hostile peer can send a negative length.

  python3 05-server-struct-prefix.py          then: python3 05-client-struct-prefix.py
                                              or:   build/bin/05-struct-prefix --role client
Our demo 05 frames the commands and the answers too (--python-i on both sides for the
struct.pack("i") header). With the classic "i" client only the answers are framed: it sends
each command as it is — the half fix; --unframed-commands reads each with one recv(1024):
  python3 05-server-struct-prefix.py --python-i --unframed-commands
                                              then: python3 05-client-struct-i-classic.py
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


def recv_exact(sock, n):
    """Exactly n bytes. Raises EOFError if the stream ends first: never loops forever."""
    data = bytearray()
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            raise EOFError("the peer closed after %d of %d bytes" % (len(data), n))
        data += piece
    return bytes(data)


# 读一条完整的消息：先恰好 4 字节报头，检查长度，再恰好读正文
def recv_message(sock):
    """One whole message, or None when the peer closed between two messages."""
    first = sock.recv(HEADER.size)
    if not first:
        return None  # a clean goodbye: nothing of a next message had begun
    (length,) = HEADER.unpack(first + recv_exact(sock, HEADER.size - len(first)))
    # 在分配任何内存之前先检查长度
    if not 0 <= length <= args.max_length:  # checked before anything is allocated for it
        raise ValueError("length %d is not in 0..%d" % (length, args.max_length))
    return recv_exact(sock, length)


def send_message(sock, body):
    # 报头和正文一次发出（第 06 课）
    sock.sendall(HEADER.pack(len(body)) + body)  # header and body in one call (lesson 06)


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
parser.add_argument("--port", type=int, default=9005, help="port; 0 lets the OS pick (default: %(default)s)")
parser.add_argument("--once", action="store_true", help="serve one connection, then exit")
parser.add_argument("--python-i", action="store_true", help="header as struct.pack('i'): little-endian, signed")
parser.add_argument("--unframed-commands", action="store_true",
                    help="read each command with one recv(1024), as the classic programs "
                         "(and 05-struct-prefix --classic) send them")
parser.add_argument("--max-length", type=int, default=1 << 20, help="largest command accepted (default: %(default)s)")
args = parser.parse_args()
HEADER = struct.Struct("<i" if args.python_i else "!I")  # "<i": what "i" means on x86 and ARM

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
                    cmd = conn.recv(1024) if args.unframed_commands else recv_message(conn)
                    # None: the client closed. An empty message (b"") is a message like any
                    # other and gets its answer; sticky-check caught this program ending there.
                    if cmd is None or (args.unframed_commands and not cmd):
                        break
                    send_message(conn, run_command(cmd.decode("utf-8", errors="replace")))
            except (EOFError, ValueError, ConnectionResetError) as error:
                print("client %s:%d: %s" % (addr[0], addr[1], error))  # its trouble ends its connection only
        if args.once:
            break
except KeyboardInterrupt:
    print("\nserver stopped", file=sys.stderr)
finally:
    server.close()
