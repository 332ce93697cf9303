// Socket addresses as the trace writes them, so that two processes' traces join: the
// server's accept `peer` is, character for character, the client's connect `local`.
//
//   127.0.0.1:9001   [::1]:9001   [::ffff:127.0.0.1]:9001   [fe80::1%2]:22
//   unix:/tmp/s.sock   unix:@abstract-name   unix: (an unnamed socket)   family:16
//
// Hand-written rather than inet_ntop: these run inside the program's own calls, perhaps in
// a signal handler, and must not touch locale or stdio.
#pragma once

#include <sys/socket.h>

#include <cstddef>

namespace sticky_trace {

// Room enough for any address above (a Unix path is at most 108 bytes).
constexpr std::size_t kAddressSize = 160;

// Writes a NUL-terminated address into `out` (kAddressSize bytes); returns its length,
// 0 when there is no address to show (a null pointer or a zero length).
std::size_t format_address(const sockaddr* address, socklen_t length, char* out);

// The socket's own address (getsockname) or its peer's (getpeername); 0 when unknown.
std::size_t local_address(int fd, char* out);
std::size_t peer_address(int fd, char* out);

}  // namespace sticky_trace
