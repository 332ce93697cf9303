// Small ways of saying things that every part of sticky-check shares: bytes quoted for a
// story line, a command line for a shell, a paragraph wrapped to the terminal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "speak/text.hpp"

namespace check {

// A payload for a story line: "\"hello\" (5 bytes)", shortened to about `max` characters.
speak::Text quote(std::string_view bytes, std::size_t max = 24);
// The same from byte `from` on, "…" before it, still counting all of `bytes`: where two long
// lines part, "\"…to the echo se…\" (35 bytes)".
speak::Text quote_from(std::string_view bytes, std::size_t from, std::size_t max = 24);
// Arguments as one shell command line, each quoted only when it needs it.
std::string shell_join(const std::vector<std::string>& argv);
// Words wrapped to `width` columns, later lines indented by `indent` spaces (Chinese: between
// any two characters, by display width).
std::string wrap(const std::string& text, std::size_t width = 80, std::size_t indent = 2);

}  // namespace check
