"""The classic lesson's client: three send() calls, hello, world, egon."""
import socket
import sys

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("127.0.0.1", int(sys.argv[1])))
client.send(b"hello")
client.send(b"world")
client.send(b"egon")
client.close()
