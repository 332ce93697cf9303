// The naive handshake's length reader: digits within the maximum, or a FrameError — never a
// crash, an overflow, or a length above the maximum.
#include <string>

#include "sticky/codec.hpp"
#include "sticky/handshake.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::uint64_t max : {std::uint64_t{0}, std::uint64_t{9}, std::uint64_t{1492}, std::uint64_t{16} << 20, ~std::uint64_t{0}}) {
    try {
      std::uint64_t n = sticky::parse_naive_length(text, max);
      if (n > max || text.empty()) __builtin_trap();
      if (std::to_string(n).size() > text.size()) __builtin_trap();  // leading zeros allowed, nothing else
    } catch (const sticky::FrameError&) {
    }
  }
  return 0;
}
