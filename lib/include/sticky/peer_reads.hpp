// How many bytes the other end of a connection holds that its program has not read yet: the
// kernel's receive queue of the peer socket, looked up by its four-tuple through
// NETLINK_SOCK_DIAG (what `ss` prints as Recv-Q). Works when both ends share a kernel; then
// a sender can send its next piece only once the program has read the last, so that its
// next recv() sees the next piece alone (the relay's await-reads, sticky-check).
//
//   sticky::PeerReads reads(fd);
//   if (reads.usable() && reads.unread() == 0u) ...;   // it has read everything sent so far
#pragma once

#include <cstdint>
#include <optional>

#include "sticky/socket.hpp"

namespace sticky {

class PeerReads {
 public:
  explicit PeerReads(int fd);  // our end of the connection
  bool usable() const { return static_cast<bool>(netlink_); }
  // Bytes waiting unread in the peer's socket; nullopt when the kernel cannot tell. Sets
  // `accepted` when the peer socket belongs to a program (accept() gave it a file: it has
  // an inode), rather than waiting in a listening socket's queue.
  std::optional<std::uint32_t> unread(bool* accepted = nullptr);
  // Bytes we wrote that have not left our socket yet.
  std::uint32_t unsent() const;

 private:
  int fd_;
  Address local_, peer_;
  Fd netlink_;
};

}  // namespace sticky
