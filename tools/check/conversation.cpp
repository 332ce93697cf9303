#include "check/conversation.hpp"
#include "speak/text.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "sticky/decoder.hpp"
#include "sticky/error.hpp"

namespace check {

namespace {

using Clock = std::chrono::steady_clock;

// How many bytes the peer's socket holds that its program has not read yet: the kernel's
// receive queue of the other end of our connection, looked up by its four-tuple through
// NETLINK_SOCK_DIAG (what `ss` prints as Recv-Q). Works when both ends share a kernel.
class PeerReads {
 public:
  explicit PeerReads(int fd) : fd_(fd) {
    try {
      local_ = sticky::local_address(fd);
      peer_ = sticky::peer_address(fd);
    } catch (const std::exception&) {
      return;
    }
    if (local_.family() != AF_INET && local_.family() != AF_INET6) return;
    netlink_.reset(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (netlink_ && !unread()) netlink_.reset();
  }
  bool usable() const { return static_cast<bool>(netlink_); }

  std::optional<std::uint32_t> unread() {
    if (!netlink_) return std::nullopt;
    struct {
      nlmsghdr header;
      inet_diag_req_v2 request;
    } message{};
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST;
    auto& r = message.request;
    r.sdiag_family = static_cast<std::uint8_t>(local_.family());
    r.sdiag_protocol = IPPROTO_TCP;
    r.idiag_states = ~0u;
    // The socket we ask about is the peer's: its source is our peer, its destination us.
    copy(peer_, r.id.idiag_src, r.id.idiag_sport);
    copy(local_, r.id.idiag_dst, r.id.idiag_dport);
    r.id.idiag_cookie[0] = r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(netlink_.get(), &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
      return std::nullopt;
    alignas(nlmsghdr) char buffer[8192];
    ssize_t got = ::recv(netlink_.get(), buffer, sizeof buffer, 0);
    if (got < static_cast<ssize_t>(sizeof(nlmsghdr))) return std::nullopt;
    auto* reply = reinterpret_cast<nlmsghdr*>(buffer);
    if (!NLMSG_OK(reply, static_cast<unsigned>(got)) || reply->nlmsg_type != SOCK_DIAG_BY_FAMILY) return std::nullopt;
    auto* info = static_cast<inet_diag_msg*>(NLMSG_DATA(reply));
    return info->idiag_rqueue;
  }

  // Bytes we wrote that have not left our socket yet.
  std::uint32_t unsent() const {
    int n = 0;
    if (::ioctl(fd_, SIOCOUTQNSD, &n) < 0) return 0;
    return static_cast<std::uint32_t>(n);
  }

 private:
  static void copy(const sticky::Address& a, __be32* address, __be16& port) {
    if (a.family() == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(a.sockaddr_ptr());
      address[0] = in->sin_addr.s_addr;
      port = in->sin_port;
    } else {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a.sockaddr_ptr());
      std::memcpy(address, &in6->sin6_addr, 16);
      port = in6->sin6_port;
    }
  }

  int fd_;
  sticky::Address local_, peer_;
  sticky::Fd netlink_;
};

void sleep_for(std::chrono::microseconds us) {
  timespec t{static_cast<time_t>(us.count() / 1000000), static_cast<long>(us.count() % 1000000) * 1000};
  ::nanosleep(&t, nullptr);
}

class Conversation {
 public:
  Conversation(const sticky::Codec& codec, const Layout& layout, const std::vector<std::string>* reference,
               const Timing& timing)
      : codec_(codec), decoder_(codec), layout_(layout), reference_(reference), timing_(timing) {}

  Exchange run(const sticky::Address& server, const std::string& stream, const Cuts& cuts) {
    try {
      fd_ = sticky::connect_stream(server, timing_.connect_timeout);
    } catch (const std::exception& e) {
      return end(Exchange::End::cannot_connect, 0, e.what());
    }
    if (!server.is_unix()) sticky::set_nodelay(fd_.get(), true);
    sticky::set_nonblocking(fd_.get(), true);
    PeerReads reads(fd_.get());
    x_.watched_reads = reads.usable();
    last_activity_ = Clock::now();
    const std::size_t n = layout_.frames.size();
    sent_at_.assign(n, Clock::now());
    auto list = pieces(cuts, stream.size());
    for (std::size_t p = 0; p < list.size(); ++p) {
      auto [begin, finish] = list[p];
      if (p > 0) {
        // Request, answer, request: the answers to every message already sent whole first.
        if (!await_answers(complete_before(begin))) return x_;
        if (!await_read(reads)) return x_;
      }
      if (!send_piece(std::string_view(stream).substr(begin, finish - begin))) return x_;
      ++x_.pieces_sent;
      for (std::size_t i = 0; i < n; ++i) {
        const auto& f = layout_.frames[i];
        if (f.start + f.size > begin && f.start + f.size <= finish) sent_at_[i] = Clock::now();
      }
      last_send_ = Clock::now();
    }
    // The program sees the end of the requests: one waiting for bytes that will never come
    // then closes, which tells us at once instead of after the answer timeout.
    ::shutdown(fd_.get(), SHUT_WR);
    if (!await_answers(n)) return x_;
    return x_;
  }

 private:
  std::size_t complete_before(std::uint64_t offset) const {
    std::size_t count = 0;
    for (const auto& f : layout_.frames)
      if (f.start + f.size <= offset) ++count;
    return count;
  }

  Exchange end(Exchange::End how, std::size_t message, std::string detail = {}) {
    if (x_.end == Exchange::End::complete) {
      x_.end = how;
      x_.message = message;
      x_.detail = std::move(detail);
    }
    x_.pending = std::string(decoder_.pending());
    failed_ = true;
    return x_;
  }

  // Reads whatever is there within `wait`; false once the exchange has ended.
  bool pump(Millis wait) {
    pollfd p{fd_.get(), POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (rc <= 0) return true;
    return drain();
  }

  bool drain() {
    char buffer[65536];
    for (;;) {
      ssize_t got = ::recv(fd_.get(), buffer, sizeof buffer, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && errno == EAGAIN) return true;
      if (got <= 0) {
        // After the last answer, the program closing its end is how a conversation ends.
        if (x_.answers.size() >= layout_.frames.size()) return true;
        if (got < 0) end(errno == ECONNRESET ? Exchange::End::reset : Exchange::End::closed, x_.answers.size(), std::strerror(errno));
        else end(Exchange::End::closed, x_.answers.size());
        return false;
      }
      last_activity_ = Clock::now();
      decoder_.feed(std::string_view(buffer, static_cast<std::size_t>(got)));
      try {
        while (auto frame = decoder_.next()) {
          std::size_t k = x_.answers.size();
          x_.answers.emplace_back(frame->payload);
          double ms = k < sent_at_.size()
                          ? std::chrono::duration<double, std::milli>(Clock::now() - sent_at_[k]).count()
                          : 0.0;
          x_.latency_ms.push_back(ms);
          // Answers beyond the last message are kept for the story, never compared.
          if (reference_ && k < reference_->size() && k < layout_.frames.size() && (*reference_)[k] != frame->payload) {
            end(Exchange::End::mismatch, k);
            return false;
          }
        }
      } catch (const sticky::FrameError& e) {
        end(Exchange::End::bad_frame, x_.answers.size(), e.what());
        return false;
      }
    }
  }

  bool await_answers(std::size_t count) {
    while (x_.answers.size() < count) {
      if (Clock::now() - last_activity_ > timing_.answer_timeout) {
        end(Exchange::End::timeout, x_.answers.size());
        return false;
      }
      if (!pump(Millis(5))) return false;
    }
    return true;
  }

  // Until the program has read every byte sent so far, or read_wait passed; a fixed pace
  // when its reads cannot be watched. Answers are read meanwhile.
  bool await_read(PeerReads& reads) {
    auto start = Clock::now();
    if (!reads.usable()) {
      auto due = last_send_ + timing_.pace;
      while (Clock::now() < due) {
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(due - Clock::now());
        if (left.count() > 1000) {
          if (!pump(Millis(1))) return false;
        } else {
          sleep_for(left);
        }
      }
      return drain();
    }
    for (;;) {
      if (!drain()) return false;
      auto unread = reads.unread();
      if (!unread || (*unread == 0 && reads.unsent() == 0)) return true;
      if (Clock::now() - start > timing_.read_wait) return true;  // a slow reader: go on
      sleep_for(std::chrono::microseconds(50));
    }
  }

  bool send_piece(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(sent));
        last_activity_ = Clock::now();
        continue;
      }
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && errno == EAGAIN) {
        // Its receive buffer is full: read its answers meanwhile, or both ends would wait.
        if (Clock::now() - last_activity_ > timing_.answer_timeout) {
          end(Exchange::End::timeout, x_.answers.size(), speak::tr("the program stopped reading").english);
          return false;
        }
        pollfd p{fd_.get(), POLLIN | POLLOUT, 0};
        ::poll(&p, 1, 5);
        if ((p.revents & POLLIN) && !drain()) return false;
        continue;
      }
      end(errno == ECONNRESET ? Exchange::End::reset : Exchange::End::closed, x_.answers.size(), std::strerror(errno));
      // An answer may still be on its way in; take what is there for the story.
      drain();
      return false;
    }
    return true;
  }

  const sticky::Codec& codec_;
  sticky::Decoder decoder_;
  const Layout& layout_;
  const std::vector<std::string>* reference_;
  Timing timing_;
  sticky::Fd fd_;
  Exchange x_;
  bool failed_ = false;
  std::vector<Clock::time_point> sent_at_;
  Clock::time_point last_activity_{}, last_send_{};
};

}  // namespace

std::string Exchange::summary() const {
  switch (end) {
    case End::complete: return speak::tr("every answer came").english;
    case End::mismatch: return speak::tr("answer {} differs from the reference", message + 1).english;
    case End::timeout:
      return detail.empty() ? speak::tr("no answer to message {}", message + 1).english
                            : speak::tr("no answer to message {} ({})", message + 1, speak::localized(detail)).english;
    case End::closed:
    case End::reset:
      return speak::tr("the program closed the connection before the answer to message {}", message + 1).english;
    case End::bad_frame:
      return speak::tr("answer {} cannot be framed: {}", message + 1, speak::localized(detail)).english;
    case End::cannot_connect: return detail;
  }
  return "?";
}

Exchange converse(const sticky::Address& server, const sticky::Codec& codec, const std::string& stream,
                  const Layout& layout, const Cuts& cuts, const std::vector<std::string>* reference,
                  const Timing& timing) {
  Conversation conversation(codec, layout, reference, timing);
  return conversation.run(server, stream, cuts);
}

bool accepts(const sticky::Address& server) {
  try {
    sticky::connect_stream(server, Millis(200));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<bool> listening(std::uint16_t port) {
  bool readable = false;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::FILE* f = std::fopen(table, "r");
    if (!f) continue;
    readable = true;
    char line[512];
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f)) {
      // "  0: 0100007F:1F90 00000000:0000 0A ..." : local address:port, remote, state (0A = LISTEN)
      char local[128], remote[128];
      unsigned state = 0, local_port = 0;
      if (std::sscanf(line, " %*u: %127s %127s %x", local, remote, &state) != 3) continue;
      const char* colon = std::strrchr(local, ':');
      if (!colon || std::sscanf(colon + 1, "%x", &local_port) != 1) continue;
      found = state == 0x0A && local_port == port;
    }
    std::fclose(f);
    if (found) return true;
  }
  if (!readable) return std::nullopt;
  return false;
}

}  // namespace check
