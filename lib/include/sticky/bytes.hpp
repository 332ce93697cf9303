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
std::string from_hex(std::string_view hex);  // std::invalid_argument on a non-hex digit or odd count
std::string printable(std::string_view bytes);

}  // namespace sticky
