#include "sticky/socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <linux/tcp.h>  // its tcp_info has tcpi_segs_out; glibc's does not
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "sticky/error.hpp"
#include "sticky/wait.hpp"

namespace sticky {

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

int Fd::release() noexcept {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::reset(int fd) noexcept {
  // close() is not retried on EINTR: on Linux the descriptor is gone either way.
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Address Address::from(const sockaddr* sa, socklen_t len) {
  Address a;
  if (len > sizeof a.storage_) throw std::invalid_argument("address too long");
  std::memcpy(&a.storage_, sa, len);
  a.length_ = len;
  return a;
}

Address Address::unix_path(std::string_view path) {
  Address a;
  sockaddr_un un{};
  if (path.empty() || path.size() >= sizeof un.sun_path)
    throw std::invalid_argument("unix socket path must be 1 to " +
                                std::to_string(sizeof un.sun_path - 1) + " bytes");
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.data(), path.size());
  std::memcpy(&a.storage_, &un, sizeof un);
  a.length_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return a;
}

Address Address::ip(std::string_view host, std::uint16_t port) {
  std::string name(host.empty() ? "127.0.0.1" : host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(name.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) throw std::invalid_argument("cannot resolve '" + name + "': " + gai_strerror(rc));
  // Prefer IPv4 for names like "localhost" so that both ends agree on the family.
  const addrinfo* pick = found;
  for (const addrinfo* p = found; p; p = p->ai_next)
    if (p->ai_family == AF_INET) { pick = p; break; }
  Address a = from(pick->ai_addr, pick->ai_addrlen);
  ::freeaddrinfo(found);
  return a;
}

Address Address::parse(std::string_view text) {
  if (text.starts_with("unix:")) return unix_path(text.substr(5));
  std::string_view host, port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == text.npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw std::invalid_argument("bad address '" + std::string(text) + "': expected [V6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == text.npos)
      throw std::invalid_argument("bad address '" + std::string(text) +
                                  "': expected HOST:PORT, [V6]:PORT or unix:PATH");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != host.npos)
      throw std::invalid_argument("bad address '" + std::string(text) +
                                  "': write IPv6 hosts in brackets, [::1]:PORT");
  }
  unsigned value = 0;
  if (port.empty() || port.size() > 5) value = 70000;
  for (char c : port) {
    if (c < '0' || c > '9') { value = 70000; break; }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535)
    throw std::invalid_argument("bad port '" + std::string(port) + "' in '" + std::string(text) +
                                "': expected 0..65535");
  return ip(host, static_cast<std::uint16_t>(value));
}

std::uint16_t Address::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string Address::host() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
  else if (family() == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
                sizeof buf);
  return buf;
}

std::string Address::path() const {
  if (!is_unix() || length_ <= offsetof(sockaddr_un, sun_path)) return {};
  const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
  std::size_t room = length_ - offsetof(sockaddr_un, sun_path);
  if (un->sun_path[0] == '\0')  // Linux's abstract namespace, written "@name" as ss(8) does
    return "@" + std::string(un->sun_path + 1, room - 1);
  return std::string(un->sun_path, ::strnlen(un->sun_path, room));
}

std::string Address::to_string() const {
  if (is_unix()) return "unix:" + path();
  if (family() == AF_INET6) return "[" + host() + "]:" + std::to_string(port());
  return host() + ":" + std::to_string(port());
}

namespace {

Fd open_socket(const Address& address, int type) {
  int fd = ::socket(address.family(), type | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket", address.to_string());
  return Fd(fd);
}

template <typename T>
void set_option(int fd, int level, int name, T value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) throw_errno("setsockopt", what);
}

// connect() with a deadline: start it non-blocking, wait for writability, read SO_ERROR.
void connect_with_timeout(int fd, const Address& address, Millis timeout) {
  set_nonblocking(fd, true);
  if (::connect(fd, address.sockaddr_ptr(), address.length()) != 0) {
    if (errno != EINPROGRESS) throw_errno("connect", address.to_string());
    pollfd p{fd, POLLOUT, 0};
    if (wait_until({&p, 1}, Clock::now() + timeout) == 0) throw TimeoutError("connect", address.to_string());
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) throw SystemError("connect", address.to_string(), error);
  }
  set_nonblocking(fd, false);
}

}  // namespace

Fd listen_stream(const Address& address, int backlog, bool reuse_address) {
  Fd fd = open_socket(address, SOCK_STREAM);
  if (address.is_unix()) {
    ::unlink(address.path().c_str());  // a stale socket file from a previous run
  } else if (reuse_address) {
    set_reuse_address(fd.get(), true);
  }
  if (::bind(fd.get(), address.sockaddr_ptr(), address.length()) != 0)
    throw_errno("bind", address.to_string());
  if (::listen(fd.get(), backlog) != 0) throw_errno("listen", address.to_string());
  return fd;
}

Fd connect_stream(const Address& address, std::optional<Millis> timeout) {
  Fd fd = open_socket(address, SOCK_STREAM);
  if (timeout) {
    connect_with_timeout(fd.get(), address, *timeout);
    return fd;
  }
  int rc;
  do rc = ::connect(fd.get(), address.sockaddr_ptr(), address.length());
  while (rc != 0 && errno == EINTR);
  if (rc != 0) throw_errno("connect", address.to_string());
  return fd;
}

Fd accept_connection(int listener, Address* peer) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  int fd;
  do fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) throw SystemError("accept", socket_name(listener), errno);
  if (peer) *peer = Address::from(reinterpret_cast<sockaddr*>(&ss), len);
  return Fd(fd);
}

Fd bind_datagram(const Address& address, bool reuse_address) {
  Fd fd = open_socket(address, SOCK_DGRAM);
  if (address.is_unix()) ::unlink(address.path().c_str());
  else if (reuse_address) set_reuse_address(fd.get(), true);
  if (::bind(fd.get(), address.sockaddr_ptr(), address.length()) != 0)
    throw_errno("bind", address.to_string());
  return fd;
}

Fd connect_datagram(const Address& address) {
  Fd fd = open_socket(address, SOCK_DGRAM);
  if (address.is_unix()) {
    // A Unix datagram client needs a name of its own, or the server cannot answer it.
    // Binding just the family makes Linux pick a unique abstract name: no file to clean up.
    sa_family_t family = AF_UNIX;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&family), sizeof family) != 0)
      throw_errno("bind", "unix autobind");
  }
  if (::connect(fd.get(), address.sockaddr_ptr(), address.length()) != 0)
    throw_errno("connect", address.to_string());
  return fd;
}

std::pair<Fd, Fd> stream_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw_errno("socketpair");
  return {Fd(fds[0]), Fd(fds[1])};
}

Address local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) throw_errno("getsockname");
  return Address::from(reinterpret_cast<sockaddr*>(&ss), len);
}

Address peer_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) throw_errno("getpeername");
  return Address::from(reinterpret_cast<sockaddr*>(&ss), len);
}

std::string socket_name(int fd) {
  std::string name = "fd " + std::to_string(fd);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0 && len > sizeof(sa_family_t)) {
    try {
      name += " (peer " + Address::from(reinterpret_cast<sockaddr*>(&ss), len).to_string() + ")";
    } catch (const std::exception&) {  // an address we cannot print names nothing
    }
  }
  return name;
}

void set_nodelay(int fd, bool on) { set_option(fd, IPPROTO_TCP, TCP_NODELAY, int{on}, "TCP_NODELAY"); }
void set_quickack(int fd, bool on) {
  set_option(fd, IPPROTO_TCP, TCP_QUICKACK, int{on}, "TCP_QUICKACK");
}
void set_receive_buffer(int fd, int bytes) { set_option(fd, SOL_SOCKET, SO_RCVBUF, bytes, "SO_RCVBUF"); }
void set_send_buffer(int fd, int bytes) { set_option(fd, SOL_SOCKET, SO_SNDBUF, bytes, "SO_SNDBUF"); }
void set_reuse_address(int fd, bool on) {
  set_option(fd, SOL_SOCKET, SO_REUSEADDR, int{on}, "SO_REUSEADDR");
}

void set_nonblocking(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) throw_errno("fcntl", "F_GETFL");
  flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
  if (::fcntl(fd, F_SETFL, flags) != 0) throw_errno("fcntl", "F_SETFL");
}

namespace {
timeval to_timeval(Millis t) {
  return timeval{static_cast<time_t>(t.count() / 1000),
                 static_cast<suseconds_t>((t.count() % 1000) * 1000)};
}
}  // namespace

void set_send_timeout(int fd, Millis timeout) {
  set_option(fd, SOL_SOCKET, SO_SNDTIMEO, to_timeval(timeout), "SO_SNDTIMEO");
}
void set_receive_timeout(int fd, Millis timeout) {
  set_option(fd, SOL_SOCKET, SO_RCVTIMEO, to_timeval(timeout), "SO_RCVTIMEO");
}

TcpSegments tcp_segments(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) throw_errno("getsockopt", "TCP_INFO");
  return {info.tcpi_segs_out, info.tcpi_segs_in, info.tcpi_data_segs_out};
}

int bytes_readable(int fd) {
  int n = 0;
  if (::ioctl(fd, FIONREAD, &n) != 0) throw_errno("ioctl", "FIONREAD");
  return n;
}

int bytes_unsent(int fd) {
  int n = 0;
  if (::ioctl(fd, SIOCOUTQ, &n) != 0) throw_errno("ioctl", "SIOCOUTQ");
  return n;
}

}  // namespace sticky
