// Showing bytes to people: hex for exactness, escaped text for reading.
//
//   sticky::to_hex("hi\n")       -> "68690a"
//   sticky::from_hex("68 69")    -> "hi"            (spaces ignored)
//   sticky::printable("hi\n\x01") -> "hi\\n\\x01"   (valid UTF-8 passes through: 粘包)
#pragma once

#include <string>
#include <string_view>

namespace sticky {

std::string to_hex(std::string_view bytes);
// "68 65 6c 6c 6f": hex with a space between bytes, for people to read.
std::string to_hex_spaced(std::string_view bytes);
// Offset of the first byte that is not part of valid UTF-8, or std::string_view::npos.
std::size_t first_invalid_utf8(std::string_view bytes);
std::string from_hex(std::string_view hex);  // std::invalid_argument on a non-hex digit or odd count
std::string printable(std::string_view bytes);

}  // namespace sticky
