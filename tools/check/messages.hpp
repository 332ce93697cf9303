// What server mode sends, and what it expects back: the messages given (--message,
// --messages FILE) or a built-in set that stresses the classic mistakes, and the expected
// answers (--expect FILE) that make a pass mean correct too.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sticky/codec.hpp"

namespace check {

// The built-in messages: short first (a wrong byte order shows at once), an empty one, one
// byte, the classic words, Chinese text (a character cut in two), more than recv(1024), more
// than 64 KiB. Those `codec` cannot carry (a delimiter inside, too long for a fixed size)
// are left out.
std::vector<std::string> builtin_messages(const sticky::Codec* codec);

// One message (or expected answer) per line of `path`, the line end left out.
// std::invalid_argument naming the file when it cannot be read.
std::vector<std::string> read_lines(const std::string& path, std::string_view option);

// Whether `answer` is `expected`: the same bytes, or the same once one line end ("\n" or
// "\r\n") at its end is left out (an expected answer is a line of a file).
bool answers_as_expected(std::string_view answer, std::string_view expected);

}  // namespace check
