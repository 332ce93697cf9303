"""A program that reads and writes a file, a pipe and stdout as well as sockets — and is
rude to the recorder: it dup2s /dev/null over the trace file's fd, then closes every fd
from 3 up. Sends "one", "two", "three" over socketpairs, one before each rudeness."""
import os
import socket
import sys
import tempfile


def exchange(word):
    a, b = socket.socketpair()
    a.sendall(word)
    assert b.recv(100) == word
    return a, b


with tempfile.NamedTemporaryFile("w+b") as f:
    f.write(b"file bytes")
    f.flush()
    f.seek(0)
    assert os.read(f.fileno(), 100) == b"file bytes"
r, w = os.pipe()
os.write(w, b"pipe bytes")
assert os.read(r, 100) == b"pipe bytes"
sys.stdout.write("stdout bytes\n")
sys.stdout.flush()

keep = exchange(b"one")  # the recorder has opened its trace file by now
trace = os.environ.get("STICKY_TRACE_FILE")
if trace:
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + name) == trace:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, int(name))
                print("dup2 over fd", name, flush=True)
        except OSError:
            pass
keep2 = exchange(b"two")
os.closerange(3, 65536)
exchange(b"three")
print("done", flush=True)
