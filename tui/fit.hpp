// What the viewer's lines say when the screen is narrow, measured with speak's one column
// counter (speak/terminal.hpp). A call's heading gives way in the program's name, never in
// its byte count; the hex pane is a window of rows that scrolls to the last byte. Free of
// curses, so the tests check them without a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "model.hpp"

namespace view {

// A call's side in at most `columns` columns: "03-client-commands-naive.py [8526]" becomes
// "03-client-comm… [8526]" (the [pid] kept while the name keeps 8 columns), then "03-cli…".
std::string shorten_side(std::string_view side, std::size_t columns);

// side + " " + label + tail in at most `columns` columns. The tail (" → 126976 B") is never
// cut: the side gives way first, down to one column, then the label.
//   call_heading("02-server-recv-sizes.py [5313]", "recv(262144)", " → 126976 B", 47)
//     == "02-server-recv-… [5313] recv(262144) → 126976 B"
std::string call_heading(std::string_view side, std::string_view label, std::string_view tail, std::size_t columns);

// The hex pane: 16 bytes a row, and, when the trace kept fewer bytes than the call moved
// (sticky-trace --max-data), one more line saying so.
std::size_t hex_lines(const Call& call);
// The first line of a window `shown` lines high: at most the one whose window ends with the
// call's last line, so the last byte is always reachable and never scrolled past.
std::size_t clamp_hex_line(const Call& call, std::size_t shown, std::size_t first);

}  // namespace view
