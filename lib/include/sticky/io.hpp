// Moving bytes correctly. TCP is a byte stream: send() may take fewer bytes than asked and
// recv() returns whatever has arrived — one byte, half a message, three messages. These
// helpers hold the loops every correct program needs.
//
//   sticky::send_all(fd, frame);                       // every byte, or an exception
//   std::string header = sticky::recv_exact(fd, 4);    // exactly 4 bytes, fewer only at EOF
//   sticky::send_gather(fd, {header, body});           // one writev: one segment, no stall
//
// All of them retry EINTR, never raise SIGPIPE (a closed peer is an EPIPE exception), wait
// with poll() on non-blocking sockets, and take an optional timeout (sticky::TimeoutError).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sticky/socket.hpp"

namespace sticky {

using Timeout = std::optional<Millis>;

// Sends every byte of `data`, looping over partial sends.
void send_all(int fd, std::string_view data, Timeout timeout = std::nullopt);

// Sends several buffers as if they were one (sendmsg with one iovec each), so a header and
// its body leave in one call and, on TCP, usually one segment.
void send_gather(int fd, std::span<const std::string_view> parts, Timeout timeout = std::nullopt);
inline void send_gather(int fd, std::initializer_list<std::string_view> parts,
                        Timeout timeout = std::nullopt) {
  send_gather(fd, std::span<const std::string_view>(parts.begin(), parts.size()), timeout);
}

// One send() call, as a naive program would make it: returns how many bytes the kernel took
// (possibly fewer than asked; 0 when a non-blocking socket's buffer is full).
std::size_t send_once(int fd, std::string_view data);

// One recv() of at most `max` bytes. Empty means the peer closed (end of stream).
std::string recv_some(int fd, std::size_t max, Timeout timeout = std::nullopt);
std::size_t recv_some(int fd, char* buffer, std::size_t max, Timeout timeout = std::nullopt);

// Reads until `n` bytes have come or the peer closes: the result is shorter than `n` only
// at end of stream, and its size says how many bytes came first.
std::string recv_exact(int fd, std::size_t n, Timeout timeout = std::nullopt);
std::size_t recv_exact(int fd, char* buffer, std::size_t n, Timeout timeout = std::nullopt);

// Waits until `fd` is readable (or writable); false when the timeout passed first.
bool wait_readable(int fd, Timeout timeout);
bool wait_writable(int fd, Timeout timeout);

// Datagrams keep their boundaries. A buffer shorter than the datagram loses the rest:
// `truncated` is then set and `full_size` says how long the datagram was.
struct Datagram {
  std::string data;
  bool truncated = false;
  std::size_t full_size = 0;
  std::optional<Address> from;
};
Datagram recv_datagram(int fd, std::size_t max, Timeout timeout = std::nullopt);
void send_datagram(int fd, std::string_view data, const Address* to = nullptr);

}  // namespace sticky
