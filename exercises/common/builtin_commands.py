"""The commands our remote-command servers (lessons 03, 04, 05) know, and nothing else.

The classic lesson runs whatever the client sends:

    subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

Never do that. A server that hands a peer's text to a shell lets anyone who can reach the
port run any program on your machine (remote code execution): `rm -rf ~`, a miner, a
backdoor. So our servers look the command up in an allow-list of built-in commands
written in Python, and never start a shell or a subprocess with the peer's text.

These are the same commands, with the same output, as sticky's C++ demos
(demos/harness/commands.cpp): help, seq N, echo TEXT, lorem N, ifconfig."""
import fcntl
import re
import socket
import struct

# An empty answer would leave a recv(1024) client waiting forever: send() of b"" sends
# nothing at all (lesson 08). So a command that prints nothing answers this instead.
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
