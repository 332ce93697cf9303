"""`tls_echo.py CERT KEY`: a TLS server thread and client exchange "ping" through Python's
ssl module, i.e. OpenSSL's socket BIO, which read()s and write()s the socket itself."""
import socket
import ssl
import sys
import threading

cert, key = sys.argv[1], sys.argv[2]
server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_context.load_cert_chain(cert, key)
client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
client_context.load_verify_locations(cert)
client_context.check_hostname = False
listener = socket.create_server(("127.0.0.1", 0))


def serve():
    connection, _ = listener.accept()
    with server_context.wrap_socket(connection, server_side=True) as tls:
        tls.sendall(tls.recv(100).upper())


thread = threading.Thread(target=serve)
thread.start()
with client_context.wrap_socket(socket.create_connection(listener.getsockname())) as tls:
    tls.sendall(b"ping")
    print(tls.recv(100).decode())
thread.join()
