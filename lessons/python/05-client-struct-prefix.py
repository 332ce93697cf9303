#!/usr/bin/env python3
"""Lesson 05, the fix, the client: send each command framed, read each answer by its header.
第 05 课的正解（客户端）：每条命令都带报头发出，每个结果都按报头读完整。

It reads exactly 4 bytes (looping if they come in pieces), checks the length against a
maximum before allocating anything, reads exactly that many bytes, and only then decodes
the text — a recv() can end in the middle of a character (lesson 11).

  python3 05-client-struct-prefix.py          against 05-server-struct-prefix.py,
                                              or: build/bin/05-struct-prefix --role server
Our demo 05 frames the commands and the answers too (--python-i on both sides for the
struct.pack("i") header). The classic "i" server frames only its answers and reads each
command with one recv(1024) — the half fix; --unframed-commands sends it plain commands:
  python3 05-client-struct-prefix.py --python-i --unframed-commands
                                              against 05-server-struct-i-classic.py,
                                              or: build/bin/05-struct-prefix --role server --classic --python-i
"""
import argparse
import socket
import struct
import sys


def recv_exact(sock, n):
    """Exactly n bytes. Raises EOFError if the stream ends first: never loops forever."""
    data = bytearray()
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            raise EOFError("the server closed after %d of %d bytes" % (len(data), n))
        data += piece
    return bytes(data)


def recv_message(sock):
    (length,) = HEADER.unpack(recv_exact(sock, HEADER.size))
    # 长度来自网络，是外部输入：先检查，再分配内存
    if not 0 <= length <= args.max_length:  # a length is input from the network: check it first
        raise ValueError("the server announced %d bytes; the limit is %d" % (length, args.max_length))
    return recv_exact(sock, length)


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
parser.add_argument("--python-i", action="store_true", help="header as struct.pack('i'): little-endian, signed")
parser.add_argument("--unframed-commands", action="store_true",
                    help="send commands as plain text, as the classic programs "
                         "(and 05-struct-prefix --classic) expect")
parser.add_argument("--max-length", type=int, default=16 << 20, help="largest answer accepted (default: %(default)s)")
args = parser.parse_args()
HEADER = struct.Struct("<i" if args.python_i else "!I")  # "<i": what "i" means on x86 and ARM

client = socket.create_connection((args.host, args.port))
client.settimeout(10)  # a server that stops talking is an error to report, not a reason to hang
try:
    for cmd in commands():
        body = cmd.encode("utf-8")
        client.sendall(body if args.unframed_commands else HEADER.pack(len(body)) + body)
        answer = recv_message(client)
        # 整个结果都到齐了才解码（第 11 课）
        sys.stdout.write(answer.decode("utf-8"))  # decoded only now that all of it is here
except (EOFError, ValueError, socket.timeout, ConnectionError) as error:
    sys.exit("error: %s" % (error or "no answer within 10 s"))
finally:
    client.close()
