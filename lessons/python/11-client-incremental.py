#!/usr/bin/env python3
"""Lesson 11, the other fix: an incremental decoder, fed each piece as it comes.
第 11 课的另一种正解：增量解码器，每到一块就喂给它。

codecs.getincrementaldecoder(encoding)() returns the characters that are complete and
keeps the bytes of an unfinished one until the next piece completes it. It prints as the
text streams in, needs no length to decode, and would work just as well on a stream that
has no framing at all (reading until recv() returns b"").

  python3 11-client-incremental.py            against 11-server-text.py,
                                              or: build/bin/11-text-cut --role server
"""
import argparse
import codecs
import socket
import struct
import sys

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
parser.add_argument("--port", type=int, default=9011, help="server port (default: %(default)s)")
parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8", help="default: %(default)s")
parser.add_argument("--python-i", action="store_true", help="header as struct.pack('i'): little-endian, signed")
args = parser.parse_args()
HEADER = struct.Struct("<i" if args.python_i else "!I")

client = socket.create_connection((args.host, args.port), timeout=10)
header = b""
while len(header) < HEADER.size:  # the header may come in pieces too
    piece = client.recv(HEADER.size - len(header))
    if not piece:
        sys.exit("error: the server closed inside the header")
    header += piece
(total,) = HEADER.unpack(header)

decoder = codecs.getincrementaldecoder(args.encoding)()
received = 0
while received < total:
    data = client.recv(min(1024, total - received))  # never past the end of this message
    if not data:
        sys.exit("error: the server closed after %d of %d bytes" % (received, total))
    received += len(data)
    # 只输出完整的字符；被切开的字符留着，等下一块
    print(decoder.decode(data), end="")  # whole characters only; a cut one waits for the rest
print(decoder.decode(b"", final=True), end="")  # raises if the text ended inside a character
client.close()
