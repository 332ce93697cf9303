#include "harness/narrator.hpp"

#include <fmt/color.h>
#include <fmt/format.h>

#include "harness/text.hpp"
#include "sticky/bytes.hpp"

namespace harness {

using sticky::Op;
using sticky::Side;

std::string preview(std::string_view bytes, std::size_t limit) {
  std::string text = sticky::printable(bytes);
  if (text.size() <= limit) return "\"" + text + "\"";
  std::size_t head = limit * 2 / 3, tail = limit - head;
  return fmt::format("\"{}…{}\"", text.substr(0, head), text.substr(text.size() - tail));
}

namespace {
const fmt::terminal_color kPalette[] = {
    fmt::terminal_color::bright_cyan,  fmt::terminal_color::bright_yellow, fmt::terminal_color::bright_magenta,
    fmt::terminal_color::bright_green, fmt::terminal_color::bright_blue,   fmt::terminal_color::bright_red,
};
}  // namespace

std::string Narrator::paint(std::uint64_t msg, const std::string& text) const {
  if (!colour_ || msg == 0) return text;
  return fmt::format(fmt::fg(kPalette[(msg - 1) % std::size(kPalette)]), "{}", text);
}

std::string Narrator::bold(const std::string& text) const {
  return colour_ ? fmt::format(fmt::emphasis::bold, "{}", text) : text;
}

std::string Narrator::dim(const std::string& text) const {
  return colour_ ? fmt::format(fmt::emphasis::faint, "{}", text) : text;
}

std::string Narrator::call_line(const sticky::TraceEvent& e, const sticky::AttributedCall& c) const {
  std::string who = fmt::format("{:<8} ", c.who);
  std::size_t width = c.datagram ? 14 : 11;
  std::string label = c.datagram || !c.is_send ? c.label : "send";
  std::string shown;
  if (c.end_of_stream) {
    shown = dim("(" + c.origin + ")");
    return fmt::format("  {}{:<{}} {:>6} bytes  {}", who, label, width, 0, shown);
  }
  std::size_t limit = c.is_send || c.datagram ? 56 : std::max<std::size_t>(10, 56 / std::max<std::size_t>(1, c.spans.size()));
  std::size_t count = 0;
  for (const auto& span : c.spans) {
    if (count == 6) {
      shown += dim(fmt::format(" …{} more", c.spans.size() - count));
      break;
    }
    std::string_view part = std::string_view(e.data).substr(span.begin, span.size);
    shown += (shown.empty() ? "" : " ") + paint(span.msg, preview(part, c.datagram ? 48 : limit));
    ++count;
  }
  if (c.datagram)
    return fmt::format("  {}{:<14} {:>5} bytes  {}  {}", who, label, e.data.size(), shown, dim(c.origin));
  return fmt::format("  {}{:<11} {:>6} bytes  {}  {}", who, label, e.data.size(), shown, dim(c.origin));
}

void Narrator::operator()(const sticky::TraceEvent& e) {
  auto call = provenance_->add(e);
  if (e.side == Side::relay && e.op != Op::note) return;  // the relay's pieces would drown the story
  std::string side(sticky::to_string(e.side));
  if (e.conn && *e.conn > 1 && e.side != Side::relay) side += fmt::format("#{}", *e.conn);
  std::string who = side.empty() ? "" : fmt::format("{:<8} ", side);
  std::string line;
  switch (e.op) {
    case Op::step: line = "\n" + bold("▶ " + localize(e.text)); break;
    case Op::note: line = "  " + who + localize(e.text); break;
    case Op::error:
      line = "  " + who + (colour_ ? fmt::format(fmt::fg(fmt::terminal_color::red), "error: {}", e.text)
                                   : "error: " + e.text);
      break;
    case Op::send:
    case Op::recv:
      if (!call || !*narrate_io_) return;
      line = call_line(e, *call);
      break;
    case Op::frame:
      if (!*narrate_io_) return;
      line = fmt::format("  {}{:<11} {:>6} bytes  {}", who, "frame", e.data.size(), preview(e.data, 56));
      break;
    case Op::result:
      line = "\n" + bold(tr("Result: {}", e.text.empty() ? (e.observed.value_or(false) ? "observed" : "not observed")
                                                        : localize(e.text)).local);
      break;
    case Op::call: line = "  " + who + dim(e.text); break;
    default: return;
  }
  fmt::print(out_, "{}\n", line);
  std::fflush(out_);
}

}  // namespace harness
