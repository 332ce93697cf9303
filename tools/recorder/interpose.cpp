// The socket functions of the C library, as the traced program sees them. LD_PRELOAD puts
// these definitions first, so the program's (and Python's, and OpenSSL's) calls land here;
// each one calls the real function — the next definition, from dlsym(RTLD_NEXT) — then
// describes what happened in an Event. These are the only symbols the library exports
// (exports.map).
//
// Every wrapper returns exactly what the real call returned, with the errno it left. Calls
// on files, pipes and terminals pass straight through after one table lookup (fd_table).
// Before the real functions are known (a call from another library's constructor, or one
// made by dlsym itself) the wrappers make the system call directly.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "address.hpp"
#include "fd_table.hpp"
#include "recorder.hpp"

#define STICKY_EXPORT extern "C" __attribute__((visibility("default")))

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace sticky_trace {

namespace {

struct RealFunctions {
  int (*socket)(int, int, int);
  int (*socketpair)(int, int, int, int*);
  int (*connect)(int, const sockaddr*, socklen_t);
  int (*accept)(int, sockaddr*, socklen_t*);
  int (*accept4)(int, sockaddr*, socklen_t*, int);
  int (*bind)(int, const sockaddr*, socklen_t);
  int (*listen)(int, int);
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  ssize_t (*sendmsg)(int, const msghdr*, int);
  int (*sendmmsg)(int, mmsghdr*, unsigned, int);
  ssize_t (*write)(int, const void*, size_t);
  ssize_t (*writev)(int, const iovec*, int);
  ssize_t (*recv)(int, void*, size_t, int);
  ssize_t (*recvfrom)(int, void*, size_t, int, sockaddr*, socklen_t*);
  ssize_t (*recvmsg)(int, msghdr*, int);
  int (*recvmmsg)(int, mmsghdr*, unsigned, int, timespec*);
  ssize_t (*read)(int, void*, size_t);
  ssize_t (*readv)(int, const iovec*, int);
  ssize_t (*recv_chk)(int, void*, size_t, size_t, int);
  ssize_t (*recvfrom_chk)(int, void*, size_t, size_t, int, sockaddr*, socklen_t*);
  ssize_t (*read_chk)(int, void*, size_t, size_t);
  int (*shutdown)(int, int);
  int (*close)(int);
  int (*close_range)(unsigned, unsigned, int);
  void (*closefrom)(int);
  int (*dup)(int);
  int (*dup2)(int, int);
  int (*dup3)(int, int, int);
};

RealFunctions real;

template <typename F>
void resolve(F& slot, const char* name) {
  void* symbol = ::dlsym(RTLD_NEXT, name);
  static_assert(sizeof symbol == sizeof slot);
  std::memcpy(&slot, &symbol, sizeof slot);  // POSIX: a data pointer converts to a function pointer
}

// Keeps the errno a call left, whatever recording it does afterwards.
class KeepErrno {
 public:
  KeepErrno() : error(errno) {}
  ~KeepErrno() { errno = error; }
  KeepErrno(const KeepErrno&) = delete;
  KeepErrno& operator=(const KeepErrno&) = delete;
  const int error;
};

// One call on one fd: decides before the real call whether it is recorded (the fd is a
// socket), and stamps the time it was entered.
class Call {
 public:
  explicit Call(int fd) : fd_(fd) {
    if (recorder_ready() && socket_info(fd, socket_)) {
      recording_ = true;
      start_us_ = now_us();
    }
  }
  bool recording() const { return recording_; }
  const SocketInfo& socket() const { return socket_; }

  Event event(const char* op, const char* call, long result, int error) const {
    Event e;
    e.op = op;
    e.call = call;
    e.fd = fd_;
    e.socket = socket_;
    e.start_us = start_us_;
    e.end_us = now_us();
    e.result = result;
    e.error = result < 0 ? error : 0;
    return e;
  }

 private:
  int fd_;
  SocketInfo socket_;
  bool recording_ = false;
  std::int64_t start_us_ = 0;
};

std::int64_t total_length(const iovec* iov, std::size_t count) {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < count; ++i) total += static_cast<std::int64_t>(iov[i].iov_len);
  return total;
}

int iov_count(std::size_t count) { return count > INT_MAX ? INT_MAX : static_cast<int>(count); }

// A send or a recv: the bytes moved are the first `result` bytes of `iov`.
void record_transfer(const Call& call, bool receiving, const char* name, long result, int error, const iovec* iov,
                     std::size_t count, int flags, const sockaddr* address = nullptr, socklen_t address_length = 0,
                     bool truncated = false) {
  Event e = call.event(receiving ? "recv" : "send", name, result, error);
  e.stamp_at_end = receiving;
  e.moves_bytes = true;
  e.want = total_length(iov, count);
  e.iov = iov;
  e.iov_count = iov_count(count);
  e.flags = flags;
  e.truncated = truncated;
  char peer[kAddressSize];
  if (address && address_length > 0 && result >= 0 && format_address(address, address_length, peer) > 0)
    e.peer = peer;
  record(e);
}

// The fds a recvmsg brought in (SCM_RIGHTS) are new numbers for us.
void forget_passed_fds(const msghdr* message) {
  if (!message || !message->msg_control) return;
  for (cmsghdr* c = CMSG_FIRSTHDR(const_cast<msghdr*>(message)); c; c = CMSG_NXTHDR(const_cast<msghdr*>(message), c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      forget_fd(fd);
    }
  }
}

// The address a recvfrom/recvmsg filled in: no more than the caller's buffer held.
socklen_t filled_length(socklen_t given, socklen_t returned) { return returned < given ? returned : given; }

int accept_common(const char* name, int fd, sockaddr* address, socklen_t* length, int flags, bool four) {
  Call call(fd);
  int r = four ? (real.accept4 ? real.accept4(fd, address, length, flags)
                               : static_cast<int>(::syscall(SYS_accept4, fd, address, length, flags)))
               : (real.accept ? real.accept(fd, address, length)
                              : static_cast<int>(::syscall(SYS_accept4, fd, address, length, 0)));
  KeepErrno keep;
  if (r >= 0 && own_process()) forget_fd(r);
  if (!call.recording()) return r;
  Event e = call.event("accept", name, r, keep.error);
  e.stamp_at_end = true;
  char local[kAddressSize], peer[kAddressSize];
  if (r >= 0) {
    SocketInfo accepted;
    socket_info(r, accepted);
    e.fd = r;
    e.socket = accepted;
    e.listen_fd = fd;
    e.listen_conn = call.socket().conn;
    if (local_address(r, local) > 0) e.local = local;
    if (peer_address(r, peer) > 0) e.peer = peer;
  }
  record(e);
  return r;
}

const char* shutdown_how(int how) {
  switch (how) {
    case SHUT_RD: return "SHUT_RD";
    case SHUT_WR: return "SHUT_WR";
    case SHUT_RDWR: return "SHUT_RDWR";
    default: return "?";
  }
}

}  // namespace

void resolve_real_functions() {
  resolve(real.socket, "socket");
  resolve(real.socketpair, "socketpair");
  resolve(real.connect, "connect");
  resolve(real.accept, "accept");
  resolve(real.accept4, "accept4");
  resolve(real.bind, "bind");
  resolve(real.listen, "listen");
  resolve(real.send, "send");
  resolve(real.sendto, "sendto");
  resolve(real.sendmsg, "sendmsg");
  resolve(real.sendmmsg, "sendmmsg");
  resolve(real.write, "write");
  resolve(real.writev, "writev");
  resolve(real.recv, "recv");
  resolve(real.recvfrom, "recvfrom");
  resolve(real.recvmsg, "recvmsg");
  resolve(real.recvmmsg, "recvmmsg");
  resolve(real.read, "read");
  resolve(real.readv, "readv");
  resolve(real.recv_chk, "__recv_chk");
  resolve(real.recvfrom_chk, "__recvfrom_chk");
  resolve(real.read_chk, "__read_chk");
  resolve(real.shutdown, "shutdown");
  resolve(real.close, "close");
  resolve(real.close_range, "close_range");
  resolve(real.closefrom, "closefrom");
  resolve(real.dup, "dup");
  resolve(real.dup2, "dup2");
  resolve(real.dup3, "dup3");
}

}  // namespace sticky_trace

using namespace sticky_trace;

// ---- new fds: whatever their numbers meant before is forgotten ----

STICKY_EXPORT int socket(int domain, int type, int protocol) noexcept {
  int r = real.socket ? real.socket(domain, type, protocol) : static_cast<int>(::syscall(SYS_socket, domain, type, protocol));
  KeepErrno keep;
  if (r >= 0 && own_process()) forget_fd(r);
  return r;
}

STICKY_EXPORT int socketpair(int domain, int type, int protocol, int fds[2]) noexcept {
  int r = real.socketpair ? real.socketpair(domain, type, protocol, fds)
                          : static_cast<int>(::syscall(SYS_socketpair, domain, type, protocol, fds));
  KeepErrno keep;
  if (r == 0 && own_process()) {
    forget_fd(fds[0]);
    forget_fd(fds[1]);
  }
  return r;
}

STICKY_EXPORT int dup(int fd) noexcept {
  int r = real.dup ? real.dup(fd) : static_cast<int>(::syscall(SYS_dup, fd));
  KeepErrno keep;
  if (r >= 0 && own_process()) copy_fd(fd, r);
  return r;
}

namespace {
// dup2/dup3 over the trace file's fd: let go of it first, but only if the call will
// succeed (the source is open), or the trace fd would be leaked rather than replaced.
void before_replacing(int from, int to) {
  if (from == to || !recorder_ready() || !own_process()) return;
  int saved = errno;
  if (::fcntl(from, F_GETFD) >= 0) release_trace_fd(to);
  errno = saved;
}
}  // namespace

STICKY_EXPORT int dup2(int from, int to) noexcept {
  before_replacing(from, to);
  int r = real.dup2 ? real.dup2(from, to) : static_cast<int>(::syscall(SYS_dup2, from, to));
  KeepErrno keep;
  if (r >= 0 && own_process()) copy_fd(from, to);
  return r;
}

STICKY_EXPORT int dup3(int from, int to, int flags) noexcept {
  before_replacing(from, to);
  int r = real.dup3 ? real.dup3(from, to, flags) : static_cast<int>(::syscall(SYS_dup3, from, to, flags));
  KeepErrno keep;
  if (r >= 0 && own_process()) copy_fd(from, to);
  return r;
}

// ---- connections ----

STICKY_EXPORT int connect(int fd, const sockaddr* address, socklen_t length) {
  Call call(fd);
  int r = real.connect ? real.connect(fd, address, length) : static_cast<int>(::syscall(SYS_connect, fd, address, length));
  if (!call.recording()) return r;
  KeepErrno keep;
  // Recorded even when it failed: a non-blocking connect's EINPROGRESS already has its
  // local address, and a refused one shows where it tried.
  Event e = call.event("connect", "connect", r, keep.error);
  char local[kAddressSize], peer[kAddressSize];
  if (local_address(fd, local) > 0) e.local = local;
  if (format_address(address, length, peer) > 0) e.peer = peer;
  record(e);
  return r;
}

STICKY_EXPORT int accept(int fd, sockaddr* address, socklen_t* length) {
  return accept_common("accept", fd, address, length, 0, false);
}

STICKY_EXPORT int accept4(int fd, sockaddr* address, socklen_t* length, int flags) {
  return accept_common("accept4", fd, address, length, flags, true);
}

STICKY_EXPORT int bind(int fd, const sockaddr* address, socklen_t length) noexcept {
  Call call(fd);
  int r = real.bind ? real.bind(fd, address, length) : static_cast<int>(::syscall(SYS_bind, fd, address, length));
  if (!call.recording()) return r;
  KeepErrno keep;
  Event e = call.event("bind", "bind", r, keep.error);
  char local[kAddressSize];
  // After a bind to port 0 the socket knows its real port; a failed bind shows what was asked.
  if ((r == 0 ? local_address(fd, local) : format_address(address, length, local)) > 0) e.local = local;
  record(e);
  return r;
}

STICKY_EXPORT int listen(int fd, int backlog) noexcept {
  Call call(fd);
  int r = real.listen ? real.listen(fd, backlog) : static_cast<int>(::syscall(SYS_listen, fd, backlog));
  if (!call.recording()) return r;
  KeepErrno keep;
  Event e = call.event("listen", "listen", r, keep.error);
  char local[kAddressSize];
  if (local_address(fd, local) > 0) e.local = local;
  e.backlog = backlog;
  record(e);
  return r;
}

STICKY_EXPORT int shutdown(int fd, int how) noexcept {
  Call call(fd);
  int r = real.shutdown ? real.shutdown(fd, how) : static_cast<int>(::syscall(SYS_shutdown, fd, how));
  if (!call.recording()) return r;
  KeepErrno keep;
  Event e = call.event("shutdown", "shutdown", r, keep.error);
  e.how = shutdown_how(how);
  record(e);
  return r;
}

STICKY_EXPORT int close(int fd) {
  Call call(fd);  // looked at before it is gone
  bool mine = own_process();
  if (mine) release_trace_fd(fd);
  int r = real.close ? real.close(fd) : static_cast<int>(::syscall(SYS_close, fd));
  KeepErrno keep;
  if (mine) forget_fd(fd);
  if (call.recording()) record(call.event("close", "close", r, keep.error));
  return r;
}

STICKY_EXPORT int close_range(unsigned first, unsigned last, int flags) noexcept {
  // With CLOSE_RANGE_CLOEXEC nothing closes until exec, and exec starts us afresh.
  bool closing = !(static_cast<unsigned>(flags) & CLOSE_RANGE_CLOEXEC) && recorder_ready() && own_process();
  if (closing) release_trace_fd_range(first, last);
  int r = real.close_range ? real.close_range(first, last, flags)
                           : static_cast<int>(::syscall(SYS_close_range, first, last, flags));
  KeepErrno keep;
  if (closing && r == 0) forget_fds(first, last);
  return r;
}

// glibc's closefrom closes through an internal call we would not see.
STICKY_EXPORT void closefrom(int first) noexcept {
  bool closing = first >= 0 && recorder_ready() && own_process();
  if (closing) release_trace_fd_range(static_cast<unsigned>(first), ~0u);
  if (real.closefrom) real.closefrom(first);
  else ::syscall(SYS_close_range, first, ~0u, 0);
  KeepErrno keep;
  if (closing) forget_fds(static_cast<unsigned>(first), ~0u);
}

// ---- sending ----

STICKY_EXPORT ssize_t send(int fd, const void* buffer, size_t length, int flags) {
  Call call(fd);
  ssize_t r = real.send ? real.send(fd, buffer, length, flags) : ::syscall(SYS_sendto, fd, buffer, length, flags, nullptr, 0);
  if (!call.recording()) return r;
  KeepErrno keep;
  iovec iov{const_cast<void*>(buffer), length};
  record_transfer(call, false, "send", r, keep.error, &iov, 1, flags);
  return r;
}

STICKY_EXPORT ssize_t sendto(int fd, const void* buffer, size_t length, int flags, const sockaddr* address,
                             socklen_t address_length) {
  Call call(fd);
  ssize_t r = real.sendto ? real.sendto(fd, buffer, length, flags, address, address_length)
                          : ::syscall(SYS_sendto, fd, buffer, length, flags, address, address_length);
  if (!call.recording()) return r;
  KeepErrno keep;
  iovec iov{const_cast<void*>(buffer), length};
  record_transfer(call, false, "sendto", r, keep.error, &iov, 1, flags, address, address_length);
  return r;
}

STICKY_EXPORT ssize_t sendmsg(int fd, const msghdr* message, int flags) {
  Call call(fd);
  ssize_t r = real.sendmsg ? real.sendmsg(fd, message, flags) : ::syscall(SYS_sendmsg, fd, message, flags);
  if (!call.recording() || !message) return r;
  KeepErrno keep;
  record_transfer(call, false, "sendmsg", r, keep.error, message->msg_iov, message->msg_iovlen, flags,
                  static_cast<const sockaddr*>(message->msg_name), message->msg_namelen);
  return r;
}

STICKY_EXPORT int sendmmsg(int fd, mmsghdr* messages, unsigned count, int flags) {
  Call call(fd);
  int r = real.sendmmsg ? real.sendmmsg(fd, messages, count, flags)
                        : static_cast<int>(::syscall(SYS_sendmmsg, fd, messages, count, flags));
  if (!call.recording() || !messages || count == 0) return r;
  KeepErrno keep;
  if (r < 0) {
    const msghdr& m = messages[0].msg_hdr;
    record_transfer(call, false, "sendmmsg", r, keep.error, m.msg_iov, m.msg_iovlen, flags);
  }
  for (int i = 0; i < r; ++i) {  // one event per message sent
    const msghdr& m = messages[i].msg_hdr;
    record_transfer(call, false, "sendmmsg", messages[i].msg_len, 0, m.msg_iov, m.msg_iovlen, flags,
                    static_cast<const sockaddr*>(m.msg_name), m.msg_namelen);
  }
  return r;
}

STICKY_EXPORT ssize_t write(int fd, const void* buffer, size_t length) {
  Call call(fd);
  ssize_t r = real.write ? real.write(fd, buffer, length) : ::syscall(SYS_write, fd, buffer, length);
  if (!call.recording()) return r;
  KeepErrno keep;
  iovec iov{const_cast<void*>(buffer), length};
  record_transfer(call, false, "write", r, keep.error, &iov, 1, 0);
  return r;
}

STICKY_EXPORT ssize_t writev(int fd, const iovec* iov, int count) {
  Call call(fd);
  ssize_t r = real.writev ? real.writev(fd, iov, count) : ::syscall(SYS_writev, fd, iov, count);
  if (!call.recording() || count < 0) return r;
  KeepErrno keep;
  record_transfer(call, false, "writev", r, keep.error, iov, static_cast<std::size_t>(count), 0);
  return r;
}

// ---- receiving ----

STICKY_EXPORT ssize_t recv(int fd, void* buffer, size_t length, int flags) {
  Call call(fd);
  ssize_t r = real.recv ? real.recv(fd, buffer, length, flags) : ::syscall(SYS_recvfrom, fd, buffer, length, flags, nullptr, nullptr);
  if (!call.recording()) return r;
  KeepErrno keep;
  iovec iov{buffer, length};
  record_transfer(call, true, "recv", r, keep.error, &iov, 1, flags);
  return r;
}

STICKY_EXPORT ssize_t recvfrom(int fd, void* buffer, size_t length, int flags, sockaddr* address,
                               socklen_t* address_length) {
  Call call(fd);
  socklen_t given = address_length ? *address_length : 0;
  ssize_t r = real.recvfrom ? real.recvfrom(fd, buffer, length, flags, address, address_length)
                            : ::syscall(SYS_recvfrom, fd, buffer, length, flags, address, address_length);
  if (!call.recording()) return r;
  KeepErrno keep;
  iovec iov{buffer, length};
  record_transfer(call, true, "recvfrom", r, keep.error, &iov, 1, flags, address,
                  address && address_length ? filled_length(given, *address_length) : 0);
  return r;
}

STICKY_EXPORT ssize_t recvmsg(int fd, msghdr* message, int flags) {
  Call call(fd);
  socklen_t given = message ? message->msg_namelen : 0;
  ssize_t r = real.recvmsg ? real.recvmsg(fd, message, flags) : ::syscall(SYS_recvmsg, fd, message, flags);
  KeepErrno keep;
  if (r >= 0 && own_process()) forget_passed_fds(message);
  if (!call.recording() || !message) return r;
  record_transfer(call, true, "recvmsg", r, keep.error, message->msg_iov, message->msg_iovlen, flags,
                  static_cast<const sockaddr*>(message->msg_name), filled_length(given, message->msg_namelen),
                  r >= 0 && (message->msg_flags & MSG_TRUNC));
  return r;
}

STICKY_EXPORT int recvmmsg(int fd, mmsghdr* messages, unsigned count, int flags, timespec* timeout) {
  Call call(fd);
  socklen_t given = messages && count ? messages[0].msg_hdr.msg_namelen : 0;
  int r = real.recvmmsg ? real.recvmmsg(fd, messages, count, flags, timeout)
                        : static_cast<int>(::syscall(SYS_recvmmsg, fd, messages, count, flags, timeout));
  KeepErrno keep;
  if (r > 0 && own_process())
    for (int i = 0; i < r; ++i) forget_passed_fds(&messages[i].msg_hdr);
  if (!call.recording() || !messages || count == 0) return r;
  if (r < 0) {
    const msghdr& m = messages[0].msg_hdr;
    record_transfer(call, true, "recvmmsg", r, keep.error, m.msg_iov, m.msg_iovlen, flags);
  }
  for (int i = 0; i < r; ++i) {  // one event per message received
    const msghdr& m = messages[i].msg_hdr;
    record_transfer(call, true, "recvmmsg", messages[i].msg_len, 0, m.msg_iov, m.msg_iovlen, flags,
                    static_cast<const sockaddr*>(m.msg_name), filled_length(given, m.msg_namelen),
                    (m.msg_flags & MSG_TRUNC) != 0);
  }
  return r;
}

STICKY_EXPORT ssize_t read(int fd, void* buffer, size_t length) {
  Call call(fd);
  ssize_t r = real.read ? real.read(fd, buffer, length) : ::syscall(SYS_read, fd, buffer, length);
  if (!call.recording()) return r;
  KeepErrno keep;
  iovec iov{buffer, length};
  record_transfer(call, true, "read", r, keep.error, &iov, 1, 0);
  return r;
}

STICKY_EXPORT ssize_t readv(int fd, const iovec* iov, int count) {
  Call call(fd);
  ssize_t r = real.readv ? real.readv(fd, iov, count) : ::syscall(SYS_readv, fd, iov, count);
  if (!call.recording() || count < 0) return r;
  KeepErrno keep;
  record_transfer(call, true, "readv", r, keep.error, iov, static_cast<std::size_t>(count), 0);
  return r;
}

// _FORTIFY_SOURCE turns recv(fd, buf, sizeof buf, 0) in C programs into these checked
// spellings; they are recorded under the name the program wrote.

STICKY_EXPORT ssize_t __recv_chk(int fd, void* buffer, size_t length, size_t buffer_size, int flags) {
  Call call(fd);
  ssize_t r = real.recv_chk ? real.recv_chk(fd, buffer, length, buffer_size, flags)
                            : ::syscall(SYS_recvfrom, fd, buffer, length, flags, nullptr, nullptr);
  if (!call.recording()) return r;
  KeepErrno keep;
  iovec iov{buffer, length};
  record_transfer(call, true, "recv", r, keep.error, &iov, 1, flags);
  return r;
}

STICKY_EXPORT ssize_t __recvfrom_chk(int fd, void* buffer, size_t length, size_t buffer_size, int flags,
                                     sockaddr* address, socklen_t* address_length) {
  Call call(fd);
  socklen_t given = address_length ? *address_length : 0;
  ssize_t r = real.recvfrom_chk ? real.recvfrom_chk(fd, buffer, length, buffer_size, flags, address, address_length)
                                : ::syscall(SYS_recvfrom, fd, buffer, length, flags, address, address_length);
  if (!call.recording()) return r;
  KeepErrno keep;
  iovec iov{buffer, length};
  record_transfer(call, true, "recvfrom", r, keep.error, &iov, 1, flags, address,
                  address && address_length ? filled_length(given, *address_length) : 0);
  return r;
}

STICKY_EXPORT ssize_t __read_chk(int fd, void* buffer, size_t length, size_t buffer_size) {
  Call call(fd);
  ssize_t r = real.read_chk ? real.read_chk(fd, buffer, length, buffer_size) : ::syscall(SYS_read, fd, buffer, length);
  if (!call.recording()) return r;
  KeepErrno keep;
  iovec iov{buffer, length};
  record_transfer(call, true, "read", r, keep.error, &iov, 1, 0);
  return r;
}
