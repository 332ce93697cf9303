// Text on a terminal, measured the one way every program here measures it: columns as a
// terminal shows them (colour escapes take none, East Asian wide characters such as 粘包 take
// two, "…" and "→" take one), lines wrapped to fit, bytes quoted and shortened.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace speak {

// Quoted, escaped, shortened to about `limit` characters: "hello wo…(+1 KiB)".
std::string preview(std::string_view bytes, std::size_t limit);

// Columns a line takes on a terminal: escape codes of colour take none, East Asian wide
// characters (粘包) take two, combining marks none, everything else (… → a stray byte) one.
// The only column counter in sticky: the narration, --help, the viewer and the pictures use it.
std::size_t display_width(std::string_view text);

// Bytes the character (or colour escape) at text[at] takes: 1 to 4, 1 for a stray byte.
std::size_t character_length(std::string_view text, std::size_t at);

// The longest start of `text` that fits in `columns`, cut between whole characters (never
// inside a UTF-8 sequence or a colour escape).
std::string_view fit_columns(std::string_view text, std::size_t columns);

// The terminal, one writer at a time: held while narration is written and while a person is
// asked something (--step's [Enter], --predict's questions), so neither cuts into the other.
std::mutex& screen();

// `text` followed by spaces up to `columns` display columns (a Chinese character is two).
std::string pad(const std::string& text, std::size_t columns);

// `text` broken at spaces into lines of at most `width` columns; lines after the first are
// indented by `indent` spaces. Spaces inside "quoted bytes" are avoided as break points.
std::string wrap(std::string_view text, std::size_t width, std::size_t indent);

// The width narration is wrapped to: the terminal's (TIOCGWINSZ), or 80 when `fd` is not one.
std::size_t output_width(int fd);

}  // namespace speak
