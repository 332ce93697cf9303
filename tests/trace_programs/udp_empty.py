"""An empty UDP datagram exists: sendto(b"") and a recvfrom that returns b"". Prints
`ok SENDER_PORT RECEIVER_PORT`."""
import socket

receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
receiver.bind(("127.0.0.1", 0))
sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sender.bind(("127.0.0.1", 0))
sender.sendto(b"", receiver.getsockname())
data, address = receiver.recvfrom(1024)
assert data == b"" and address == sender.getsockname(), (data, address)
print("ok", sender.getsockname()[1], receiver.getsockname()[1])
