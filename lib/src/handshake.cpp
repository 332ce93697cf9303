#include "sticky/handshake.hpp"

#include <fmt/format.h>

#include "sticky/bytes.hpp"
#include "sticky/codec.hpp"

namespace sticky {

std::uint64_t parse_naive_length(std::string_view digits, std::uint64_t max_length) {
  auto shown = [&] { return printable(digits.substr(0, 24)) + (digits.size() > 24 ? "…" : ""); };
  if (digits.empty() || digits.size() > 20)
    throw FrameError(0, fmt::format("expected a length in ASCII digits, got {} bytes \"{}\"", digits.size(), shown()));
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      throw FrameError(0, fmt::format("expected a length in ASCII digits, got \"{}\"", shown()));
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (digit > max_length || value > (max_length - digit) / 10)
      throw FrameError(0, fmt::format("length {} exceeds the maximum of {} bytes", shown(), max_length));
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace sticky
