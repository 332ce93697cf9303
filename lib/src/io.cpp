#include "sticky/io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <vector>

#include "sticky/error.hpp"
#include "sticky/wait.hpp"

namespace sticky {

namespace {

// What remains of a timeout, so a loop of calls shares one deadline.
class Deadline {
 public:
  explicit Deadline(Timeout t) : end_(deadline_after(t)) {}
  std::optional<Clock::time_point> end() const { return end_; }
  Timeout left() const {
    if (!end_) return std::nullopt;
    return std::max(Millis(0), std::chrono::ceil<Millis>(*end_ - Clock::now()));
  }

 private:
  std::optional<Clock::time_point> end_;
};

bool wait_for(int fd, short events, std::optional<Clock::time_point> deadline) {
  pollfd p{fd, events, 0};
  return wait_until({&p, 1}, deadline) > 0;
}

void wait_or_throw(int fd, short events, const Deadline& deadline, const char* call) {
  if (!wait_for(fd, events, deadline.end())) throw TimeoutError(call, socket_name(fd));
}

// EAGAIN on a blocking socket is SO_RCVTIMEO / SO_SNDTIMEO expiring, not "try again later".
bool is_nonblocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

[[noreturn]] void fail(const char* call, int fd) {
  int error = errno;
  if (error == EAGAIN || error == EWOULDBLOCK) throw TimeoutError(call, socket_name(fd));  // SO_*TIMEO expired
  throw SystemError(call, socket_name(fd), error);
}

// Makes one system call until it succeeds: again after EINTR; after waiting for the socket
// when a non-blocking one says EAGAIN; an exception naming the call and the socket otherwise.
template <typename Call>
std::size_t retry(int fd, short events, const Deadline& deadline, const char* name, Call call) {
  for (;;) {
    ssize_t rc = call();
    if (rc >= 0) return static_cast<std::size_t>(rc);
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && is_nonblocking(fd)) {
      wait_or_throw(fd, events, deadline, name);
      continue;
    }
    fail(name, fd);
  }
}

}  // namespace

bool wait_readable(int fd, Timeout timeout) { return wait_for(fd, POLLIN, deadline_after(timeout)); }
bool wait_writable(int fd, Timeout timeout) { return wait_for(fd, POLLOUT, deadline_after(timeout)); }

void send_all(int fd, std::string_view data, Timeout timeout) {
  send_gather(fd, {data}, timeout);
}

void send_gather(int fd, std::span<const std::string_view> parts, Timeout timeout) {
  Deadline deadline(timeout);
  std::vector<iovec> iov;
  iov.reserve(parts.size());
  for (auto part : parts)
    if (!part.empty()) iov.push_back({const_cast<char*>(part.data()), part.size()});
  std::size_t first = 0;
  while (first < iov.size()) {
    if (timeout) wait_or_throw(fd, POLLOUT, deadline, "send");
    msghdr msg{};
    msg.msg_iov = iov.data() + first;
    msg.msg_iovlen = iov.size() - first;
    // MSG_NOSIGNAL: a peer that closed is an EPIPE error here, not a process killed by SIGPIPE.
    std::size_t sent = retry(fd, POLLOUT, deadline, "send", [&] { return ::sendmsg(fd, &msg, MSG_NOSIGNAL); });
    std::size_t left = sent;
    while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (first < iov.size()) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
}

std::size_t send_once(int fd, std::string_view data) {
  for (;;) {
    ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent >= 0) return static_cast<std::size_t>(sent);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    throw SystemError("send", socket_name(fd), errno);
  }
}

std::size_t recv_some(int fd, char* buffer, std::size_t max, Timeout timeout) {
  Deadline deadline(timeout);
  if (timeout) wait_or_throw(fd, POLLIN, deadline, "recv");
  return retry(fd, POLLIN, deadline, "recv", [&] { return ::recv(fd, buffer, max, 0); });
}

std::string recv_some(int fd, std::size_t max, Timeout timeout) {
  std::string out(max, '\0');
  out.resize(recv_some(fd, out.data(), max, timeout));
  return out;
}

std::size_t recv_exact(int fd, char* buffer, std::size_t n, Timeout timeout) {
  Deadline deadline(timeout);
  std::size_t have = 0;
  while (have < n) {
    std::size_t got = recv_some(fd, buffer + have, n - have, deadline.left());
    if (got == 0) break;  // end of stream: the caller sees how much came
    have += got;
  }
  return have;
}

std::string recv_exact(int fd, std::size_t n, Timeout timeout) {
  std::string out(n, '\0');
  out.resize(recv_exact(fd, out.data(), n, timeout));
  return out;
}

Datagram recv_datagram(int fd, std::size_t max, Timeout timeout) {
  Deadline deadline(timeout);
  Datagram d;
  d.data.resize(max);
  sockaddr_storage from{};
  if (timeout) wait_or_throw(fd, POLLIN, deadline, "recvfrom");
  iovec iov{d.data.data(), max};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  // MSG_TRUNC in flags makes Linux return the datagram's real length, not what fitted.
  d.full_size = retry(fd, POLLIN, deadline, "recvfrom", [&] {
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    return ::recvmsg(fd, &msg, MSG_TRUNC);
  });
  d.truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  d.data.resize(std::min(d.full_size, max));
  if (msg.msg_namelen > 0) d.from = Address::from(reinterpret_cast<sockaddr*>(&from), msg.msg_namelen);
  return d;
}

void send_datagram(int fd, std::string_view data, const Address* to) {
  for (;;) {
    ssize_t sent = to ? ::sendto(fd, data.data(), data.size(), MSG_NOSIGNAL, to->sockaddr_ptr(),
                                 to->length())
                      : ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent >= 0) return;
    if (errno != EINTR) throw SystemError("sendto", to ? to->to_string() : socket_name(fd), errno);
  }
}

}  // namespace sticky
