// Sockets without the boilerplate: an owning file descriptor, addresses parsed from text,
// listen/connect/accept for TCP, UDP and Unix sockets, and the options the lessons turn.
//
//   auto listener = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
//   auto port = sticky::local_address(listener.get()).port();   // the port the OS chose
//   auto client = sticky::connect_stream(sticky::local_address(listener.get()));
//   auto server = sticky::accept_connection(listener.get());
//
// Every failure throws sticky::SystemError naming the call, the address and errno's text.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sticky {

using Millis = std::chrono::milliseconds;

// Owns one file descriptor; closes it once. Movable, not copyable.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept;
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

// An IPv4, IPv6 or Unix-domain address.
//   "127.0.0.1:9001", "localhost:80", "[::1]:9001", ":9001" (= 127.0.0.1), "unix:/tmp/s"
class Address {
 public:
  static Address parse(std::string_view text);                     // throws std::invalid_argument
  static Address from(const sockaddr* sa, socklen_t len);
  static Address ip(std::string_view host, std::uint16_t port);    // resolves names
  static Address unix_path(std::string_view path);

  int family() const noexcept { return storage_.ss_family; }
  bool is_unix() const noexcept { return family() == AF_UNIX; }
  std::uint16_t port() const noexcept;                             // 0 for Unix
  std::string host() const;                                        // "" for Unix
  std::string path() const;                                        // "" unless Unix
  std::string to_string() const;                                   // round-trips through parse
  const sockaddr* sockaddr_ptr() const noexcept {
    return reinterpret_cast<const sockaddr*>(&storage_);
  }
  socklen_t length() const noexcept { return length_; }

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

// Stream (TCP or Unix) sockets.
Fd listen_stream(const Address& address, int backlog = 128, bool reuse_address = true);
Fd connect_stream(const Address& address, std::optional<Millis> timeout = std::nullopt);
// Retries EINTR; returns the peer's address through `peer` when given.
Fd accept_connection(int listener, Address* peer = nullptr);

// Datagram (UDP or Unix datagram) sockets.
Fd bind_datagram(const Address& address, bool reuse_address = true);
Fd connect_datagram(const Address& address);  // a connected datagram socket: send() works

// A connected pair of Unix stream sockets, for tests and in-process plumbing.
std::pair<Fd, Fd> stream_pair();

Address local_address(int fd);
Address peer_address(int fd);
// "fd 5 (peer 127.0.0.1:40000)", or "fd 5" when it has no peer: for error messages.
std::string socket_name(int fd);

// Options. Each names what the kernel does with it in the comment, not what it is called.
void set_nodelay(int fd, bool on);        // TCP_NODELAY: send small segments now, no Nagle
void set_quickack(int fd, bool on);       // TCP_QUICKACK: the kernel clears it again; set it before each recv
void set_receive_buffer(int fd, int bytes);  // SO_RCVBUF (the kernel doubles the value)
void set_send_buffer(int fd, int bytes);     // SO_SNDBUF (the kernel doubles the value)
void set_reuse_address(int fd, bool on);
void set_nonblocking(int fd, bool on);
void set_send_timeout(int fd, Millis timeout);     // SO_SNDTIMEO: a blocking send may return early
void set_receive_timeout(int fd, Millis timeout);  // SO_RCVTIMEO

// Segments this connection has sent and received (TCP_INFO), SYN and FIN included.
struct TcpSegments {
  std::uint32_t out = 0;
  std::uint32_t in = 0;
  std::uint32_t data_out = 0;  // those of `out` that carried data: no pure ACKs, SYN or FIN
};
TcpSegments tcp_segments(int fd);

// Bytes queued and not yet read (FIONREAD) or not yet acknowledged (SIOCOUTQ).
int bytes_readable(int fd);
int bytes_unsent(int fd);

}  // namespace sticky
