// Why a length field is absurd, said so that someone who chose the wrong codec sees why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sticky/codec.hpp"

namespace speak {

// Why a length field is absurd, for someone who set the wrong codec: its bytes as text when
// they are printable ("hell": the stream is text, not length-prefixed), and its value in the
// other byte order when that one fits the maximum ("read little-endian it is 5: try …").
// `header` holds at least offset + width bytes of the frame at fault; "" when no hint helps.
// `endian_option`: the program has --endian (frametool); the demos have only --python-i.
// The length field of `header` read in the other byte order, signed as the options say, when
// it is a length these options would accept (0 to max_frame once adjusted); nullopt when it
// is not, when the field has one byte (no order to get wrong), or `header` is too short.
//   {width 4, big endian}, "\x05\x00\x00\x00"  -> 5     (big endian it is 83886080)
std::optional<std::int64_t> other_byte_order(const sticky::LengthOptions& options, std::string_view header);
// The same value whether or not those options would accept it (83886080 for 00 00 00 05).
std::optional<std::int64_t> other_byte_order_value(const sticky::LengthOptions& options, std::string_view header);

std::string length_hint(const sticky::LengthOptions& options, std::string_view header, bool endian_option = true);

}  // namespace speak
