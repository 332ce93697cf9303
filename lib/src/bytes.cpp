#include "sticky/bytes.hpp"

#include <cstdint>
#include <cstring>

#include <stdexcept>

namespace sticky {

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string to_hex_spaced(std::string_view bytes, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    if (i) out.push_back(' ');
    out += to_hex(bytes.substr(i, 1));
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument(std::string("not a hex digit: '") + c + "'");
  };
  std::string out;
  int high = -1;
  for (char c : hex) {
    if (c == ' ') continue;
    if (high < 0) {
      high = value(c);
    } else {
      out.push_back(static_cast<char>(high * 16 + value(c)));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

namespace {
// Length of the well-formed UTF-8 sequence starting at bytes[i], or 0 if it is not one
// (Unicode's table 3-7): 0xf5-0xff never start one, and the second byte's range excludes
// overlong forms (after e0, f0), UTF-16 surrogates (after ed) and code points past U+10FFFF
// (after f4). Passing any of them through would make a picture of the bytes invalid UTF-8.
std::size_t utf8_sequence(std::string_view bytes, std::size_t i) {
  auto c = static_cast<unsigned char>(bytes[i]);
  std::size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n == 0 || i + n > bytes.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(bytes[i + k]) & 0xc0) != 0x80) return 0;
  auto second = static_cast<unsigned char>(bytes[i + 1]);
  unsigned char low = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
  unsigned char high = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
  return second >= low && second <= high ? n : 0;
}
}  // namespace

std::size_t first_invalid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    // Eight ASCII bytes at a time: a trace line is almost all ASCII, and the viewer reads
    // millions of them.
    if (i + 8 <= bytes.size()) {
      std::uint64_t word;
      std::memcpy(&word, bytes.data() + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = utf8_sequence(bytes, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string printable(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x80) {
      if (std::size_t n = utf8_sequence(bytes, i)) {  // 粘包 stays readable; stray bytes do not
        out.append(bytes.substr(i, n));
        i += n - 1;
      } else {
        out += "\\x";
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
      }
      continue;
    }
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out.push_back(digits[c >> 4]);
          out.push_back(digits[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

}  // namespace sticky
