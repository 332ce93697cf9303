#!/usr/bin/env python3
"""Lesson 05, the fix: every message is a 4-byte length header, then that many bytes.

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
import socket
import struct
import sys

from builtin_commands import run_command  # the allow-list: never a shell (see that file)


def recv_exact(sock, n):
    """Exactly n bytes. Raises EOFError if the stream ends first: never loops forever."""
    data = bytearray()
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            raise EOFError("the peer closed after %d of %d bytes" % (len(data), n))
        data += piece
    return bytes(data)


def recv_message(sock):
    """One whole message, or None when the peer closed between two messages."""
    first = sock.recv(HEADER.size)
    if not first:
        return None  # a clean goodbye: nothing of a next message had begun
    (length,) = HEADER.unpack(first + recv_exact(sock, HEADER.size - len(first)))
    if not 0 <= length <= args.max_length:  # checked before anything is allocated for it
        raise ValueError("length %d is not in 0..%d" % (length, args.max_length))
    return recv_exact(sock, length)


def send_message(sock, body):
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
