#include "fit.hpp"

#include "speak/terminal.hpp"

namespace view {

namespace {
std::size_t columns_of(std::string_view text) { return speak::display_width(text); }

// The start of `text` that fits in `columns`, ending in "…" when it had to be cut.
std::string cut(std::string_view text, std::size_t columns) {
  if (columns_of(text) <= columns) return std::string(text);
  if (columns == 0) return {};
  return std::string(speak::fit_columns(text, columns - 1)) + "…";
}
}  // namespace

std::string shorten_side(std::string_view side, std::size_t columns) {
  if (columns_of(side) <= columns) return std::string(side);
  // "name [pid]": the pid tells two processes of one script apart; the name's start tells
  // client from server and the lesson's number, so the name's end gives way first.
  constexpr std::size_t kNameKept = 8;
  auto open = side.rfind(" [");
  if (open != std::string_view::npos && side.ends_with("]")) {
    std::string_view pid = side.substr(open);
    if (columns >= kNameKept + columns_of(pid)) return cut(side.substr(0, open), columns - columns_of(pid)) + std::string(pid);
    return cut(side.substr(0, open), columns);
  }
  return cut(side, columns);
}

std::string call_heading(std::string_view side, std::string_view label, std::string_view tail, std::size_t columns) {
  std::size_t fixed = 1 + columns_of(label) + columns_of(tail);  // " " + label + tail
  if (fixed + columns_of(side) <= columns) return std::string(side) + " " + std::string(label) + std::string(tail);
  if (fixed + 1 <= columns) return shorten_side(side, columns - fixed) + " " + std::string(label) + std::string(tail);
  // Not even the label fits beside the count: one column of the side, then the label cut.
  std::size_t tail_columns = columns_of(tail);
  std::string start = cut(side, 1) + " ";
  if (columns < tail_columns + 3) return std::string(tail);  // the count, whatever the width
  return start + cut(label, columns - tail_columns - 2) + std::string(tail);
}

std::size_t hex_lines(const Call& call) {
  std::size_t rows = (call.data.size() + 15) / 16;
  return rows + (call.moved > call.data.size() ? 1 : 0);
}

std::size_t clamp_hex_line(const Call& call, std::size_t shown, std::size_t first) {
  std::size_t total = hex_lines(call);
  std::size_t last_first = total > shown ? total - shown : 0;
  return first < last_first ? first : last_first;
}

}  // namespace view
