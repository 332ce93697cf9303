// Why a length field is absurd, said so that someone who chose the wrong codec sees why.
#pragma once

#include <string>
#include <string_view>

#include "sticky/codec.hpp"

namespace speak {

// Why a length field is absurd, for someone who set the wrong codec: its bytes as text when
// they are printable ("hell": the stream is text, not length-prefixed), and its value in the
// other byte order when that one fits the maximum ("read little-endian it is 5: try …").
// `header` holds at least offset + width bytes of the frame at fault; "" when no hint helps.
// `endian_option`: the program has --endian (frametool); the demos have only --python-i.
std::string length_hint(const sticky::LengthOptions& options, std::string_view header, bool endian_option = true);

}  // namespace speak
