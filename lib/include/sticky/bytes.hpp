// Showing bytes to people: hex for exactness, escaped text for reading.
//
//   sticky::to_hex("hi\n")       -> "68690a"
//   sticky::to_hex_spaced("hi\n") -> "68 69 0a"     (to_hex_spaced(bytes, 2): "68 69")
//   sticky::from_hex("68 69")    -> "hi"            (spaces ignored)
//   sticky::printable("hi\n\x01") -> "hi\\n\\x01"   (valid UTF-8 passes through: 粘包)
#pragma once

#include <string>
#include <string_view>

namespace sticky {

std::string to_hex(std::string_view bytes);
// Hex with a space between bytes, for people; at most `max` bytes shown (no marker for the rest).
std::string to_hex_spaced(std::string_view bytes, std::size_t max = std::string_view::npos);
// Offset of the first byte that is not part of valid UTF-8, or std::string_view::npos.
std::size_t first_invalid_utf8(std::string_view bytes);
std::string from_hex(std::string_view hex);  // std::invalid_argument on a non-hex digit or odd count
std::string printable(std::string_view bytes);

}  // namespace sticky
