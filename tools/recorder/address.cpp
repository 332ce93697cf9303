#include "address.hpp"

#include <netinet/in.h>
#include <sys/un.h>

#include <cstdint>
#include <cstring>

#include "json_line.hpp"

namespace sticky_trace {

namespace {

class Writer {
 public:
  explicit Writer(char* out) : out_(out) {}
  void put(char c) {
    if (length_ + 1 < kAddressSize) out_[length_++] = c;
  }
  void put(const char* text, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) put(text[i]);
  }
  void put(const char* text) { put(text, std::strlen(text)); }
  void decimal(std::int64_t value) {
    char digits[24];
    put(digits, format_decimal(value, digits));
  }
  void hex16(unsigned value) {
    static const char kHex[] = "0123456789abcdef";
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned digit = (value >> shift) & 15;
      if (digit || started || shift == 0) {
        put(kHex[digit]);
        started = true;
      }
    }
  }
  std::size_t finish() {
    out_[length_] = '\0';
    return length_;
  }

 private:
  char* out_;
  std::size_t length_ = 0;
};

void ipv4(Writer& w, const unsigned char* a) {
  for (int i = 0; i < 4; ++i) {
    if (i) w.put('.');
    w.decimal(a[i]);
  }
}

// RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups (the
// first if tied) as "::", and an IPv4-mapped address with its IPv4 part in dotted form.
void ipv6(Writer& w, const unsigned char* a) {
  unsigned groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = (unsigned(a[2 * i]) << 8) | a[2 * i + 1];
  bool mapped = groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0 &&
                groups[5] == 0xffff;
  if (mapped) {
    w.put("::ffff:");
    ipv4(w, a + 12);
    return;
  }
  int best_start = -1, best_length = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_length && j - i >= 2) {
      best_start = i;
      best_length = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8;) {
    if (i == best_start) {
      w.put("::");
      i += best_length;
      continue;
    }
    if (i != 0 && i != best_start + best_length) w.put(':');
    w.hex16(groups[i]);
    ++i;
  }
}

}  // namespace

std::size_t format_address(const sockaddr* address, socklen_t length, char* out) {
  Writer w(out);
  if (!address || length < static_cast<socklen_t>(sizeof(sa_family_t))) return w.finish();
  switch (address->sa_family) {
    case AF_INET: {
      if (length < static_cast<socklen_t>(sizeof(sockaddr_in))) break;
      sockaddr_in in;
      std::memcpy(&in, address, sizeof in);
      ipv4(w, reinterpret_cast<const unsigned char*>(&in.sin_addr));
      w.put(':');
      w.decimal(ntohs(in.sin_port));
      return w.finish();
    }
    case AF_INET6: {
      if (length < static_cast<socklen_t>(sizeof(sockaddr_in6))) break;
      sockaddr_in6 in6;
      std::memcpy(&in6, address, sizeof in6);
      w.put('[');
      ipv6(w, in6.sin6_addr.s6_addr);
      if (in6.sin6_scope_id != 0) {
        w.put('%');
        w.decimal(in6.sin6_scope_id);
      }
      w.put("]:");
      w.decimal(ntohs(in6.sin6_port));
      return w.finish();
    }
    case AF_UNIX: {
      const char* path = reinterpret_cast<const sockaddr_un*>(address)->sun_path;
      std::size_t room = static_cast<std::size_t>(length) - offsetof(sockaddr_un, sun_path);
      if (room > sizeof(sockaddr_un::sun_path)) room = sizeof(sockaddr_un::sun_path);
      w.put("unix:");
      if (room == 0) return w.finish();  // unnamed (a socketpair, an unbound client)
      if (path[0] == '\0') {
        // Linux's abstract namespace: a leading NUL, then a name of exactly the length given
        // (NULs included). Shown with '@', as ss and systemd do.
        w.put('@');
        for (std::size_t i = 1; i < room; ++i) w.put(path[i] ? path[i] : '@');
        return w.finish();
      }
      w.put(path, strnlen(path, room));
      return w.finish();
    }
    default:
      break;
  }
  w.put("family:");
  w.decimal(address->sa_family);
  return w.finish();
}

std::size_t local_address(int fd, char* out) {
  sockaddr_storage address;
  socklen_t length = sizeof address;
  out[0] = '\0';
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return format_address(reinterpret_cast<sockaddr*>(&address), length, out);
}

std::size_t peer_address(int fd, char* out) {
  sockaddr_storage address;
  socklen_t length = sizeof address;
  out[0] = '\0';
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return format_address(reinterpret_cast<sockaddr*>(&address), length, out);
}

}  // namespace sticky_trace
