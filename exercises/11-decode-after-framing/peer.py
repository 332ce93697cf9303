# Exercise 11's server: to each client, three framed texts ("!I" header, UTF-8 body) in one
# write each, then it closes. The first text puts a Chinese character across byte 1024 of
# its body, where a recv(1024) ends. The texts come from the seed, fresh for every check.
#   python3 peer.py PORT SEED
import random
import socket
import struct
import sys

WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua").split()
CHINESE = ["执行成功", "粘包", "拆包", "半包", "消息边界", "你好世界", "字节流", "网络编程",
           "报头", "数据", "解码", "完整的消息", "收到", "发送"]


def ascii_text(rng, n):
    text = ""
    while len(text) < n:
        text += rng.choice(WORDS) + " "
    return text[:n]


def chinese_text(rng, words):
    return "，".join(rng.choice(CHINESE) for _ in range(words)) + "。"


def texts(seed):
    rng = random.Random(seed)
    first = ascii_text(rng, rng.choice((1022, 1023))) + chinese_text(rng, 3) + "\n"
    second = "%s: %s\n" % (rng.choice(WORDS), chinese_text(rng, rng.randint(1, 4)))
    third = ""
    while len(third.encode("utf-8")) < rng.randint(2500, 4000):
        third += rng.choice([ascii_text(rng, rng.randint(5, 40)), chinese_text(rng, rng.randint(1, 3))])
    return [first, second, third + "\n"]


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(16)
print("listening on 127.0.0.1:%s" % sys.argv[1], flush=True)
answers = [t.encode("utf-8") for t in texts(int(sys.argv[2]) if len(sys.argv) > 2 else 0)]
try:
    while True:
        conn, _ = server.accept()
        with conn:
            try:
                for body in answers:
                    conn.sendall(struct.pack("!I", len(body)) + body)
            except ConnectionError:
                pass
except KeyboardInterrupt:
    pass
