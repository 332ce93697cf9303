// What the recorder knows about each file descriptor: not looked at yet, not a socket, or a
// socket (its inode, type, family and connection id). read() and write() are interposed for
// every fd the program has — files, pipes, terminals — so the answer for a non-socket must
// cost one table lookup, and a socket's must never be wrong:
//
// - an fd is looked at (fstat, S_ISSOCK) the first time a call names it;
// - close, close_range, dup2 and dup3 forget the fds they close or replace; socket,
//   socketpair, accept and dup forget the fd numbers they hand out (whatever was cached for
//   that number before belonged to a file closed where we could not see it, e.g. by fclose);
// - a socket's inode is checked again on every call, so a file that took over a socket's
//   number through some unseen close is never recorded as that socket.
//
// The table is lock-free (one atomic word per fd, chunks installed with compare-and-swap)
// because it is used inside the program's calls, from any thread or signal handler.
#pragma once

#include <cstdint>

namespace sticky_trace {

struct SocketInfo {
  int type = 0;              // SOCK_STREAM, SOCK_DGRAM, ...
  int family = 0;            // AF_INET, AF_INET6, AF_UNIX, ...
  std::uint32_t conn = 0;    // numbered per process in the order first seen
  bool datagram() const;     // message boundaries kept: SOCK_DGRAM, SOCK_RAW
};

// True (and `info` filled) when `fd` is a socket. Preserves errno.
bool socket_info(int fd, SocketInfo& info);

// The fd's number now means something new (opened, closed or replaced).
void forget_fd(int fd);
void forget_fds(unsigned first, unsigned last);
// `to` is now a duplicate of `from` (dup, dup2, dup3): same socket, same connection id.
void copy_fd(int from, int to);

}  // namespace sticky_trace
