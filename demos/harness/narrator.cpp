#include "harness/narrator.hpp"

#include <fmt/color.h>
#include <fmt/format.h>

#include "sticky/bytes.hpp"

namespace harness {

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

std::string other_side(const std::string& side) { return side == "client" ? "server" : "client"; }
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

void Narrator::operator()(const sticky::TraceEvent& e) {
  if (e.side == "relay" && e.op != "note") return;  // the relay's pieces would drown the story
  // Connections after the first are numbered, so two clients of one server read apart.
  std::string side = e.conn && *e.conn > 1 && e.side != "relay" ? fmt::format("{}#{}", e.side, *e.conn) : e.side;
  std::string who = side.empty() ? "" : fmt::format("{:<8} ", side);
  std::string line;
  if (e.op == "step") {
    line = "\n" + bold("▶ " + e.text);
  } else if (e.op == "note") {
    line = "  " + who + e.text;
  } else if (e.op == "error") {
    line = "  " + who + (colour_ ? fmt::format(fmt::fg(fmt::terminal_color::red), "error: {}", e.text)
                                 : "error: " + e.text);
  } else if (e.moves_bytes() && e.facts.is_object() && e.facts.value("datagram", false)) {
    if (!*narrate_io_) return;
    // Datagrams keep their boundaries: each recv is one datagram, no stream to map back.
    bool is_send = e.op == "send";
    std::string call = is_send ? "sendto" : fmt::format("recvfrom({})", e.want.value_or(0));
    std::string note = is_send ? fmt::format("datagram {}", e.msg.value_or(0))
                       : e.facts.value("truncated", false)
                           ? fmt::format("TRUNCATED: the datagram had {} bytes; the rest is gone",
                                         e.facts.value("full_size", 0))
                           : e.data.empty() ? "an empty datagram (not end of stream)" : "one whole datagram";
    line = fmt::format("  {}{:<14} {:>5} bytes  {}  {}", who, call, e.data.size(),
                       paint(is_send ? e.msg.value_or(0) : 0, preview(e.data, 48)), dim(note));
  } else if (e.op == "send") {
    auto& stream = streams_[{e.conn.value_or(0), other_side(e.side)}];
    stream.sent(e.msg.value_or(0), e.data.size());
    if (!*narrate_io_) return;
    line = fmt::format("  {}{:<11} {:>6} bytes  {}  {}", who, "send", e.data.size(),
                       paint(e.msg.value_or(0), preview(e.data, 56)),
                       dim(fmt::format("message {}", e.msg.value_or(0))));
  } else if (e.op == "recv") {
    auto& stream = streams_[{e.conn.value_or(0), e.side}];
    auto spans = stream.received(e.data.size());
    if (!*narrate_io_) return;
    std::size_t limit = std::max<std::size_t>(10, 56 / std::max<std::size_t>(1, spans.size()));
    std::string shown;
    std::size_t shown_spans = 0;
    for (const auto& span : spans) {
      if (shown_spans == 6) {
        shown += dim(fmt::format(" …{} more", spans.size() - shown_spans));
        break;
      }
      std::string_view part = std::string_view(e.data).substr(span.offset - spans.front().offset, span.bytes);
      shown += (shown.empty() ? "" : " ") + paint(span.msg, preview(part, limit));
      ++shown_spans;
    }
    if (e.data.empty()) shown = dim("(end of stream: the peer closed)");
    std::string where;
    if (spans.size() > 1 && spans.front().msg && spans.back().msg)
      where = fmt::format("messages {}–{}", spans.front().msg, spans.back().msg);
    else if (spans.size() == 1 && spans.front().msg)
      where = fmt::format("message {}{}", spans.front().msg,
                          spans.front().starts_message && spans.front().ends_message ? "" : " (part)");
    line = fmt::format("  {}{:<11} {:>6} bytes  {}  {}", who, fmt::format("recv({})", e.want.value_or(0)),
                       e.data.size(), shown, dim(where));
  } else if (e.op == "frame") {
    if (!*narrate_io_) return;
    line = fmt::format("  {}{:<11} {:>6} bytes  {}", who, "frame", e.data.size(), preview(e.data, 56));
  } else if (e.op == "result") {
    line = "\n" + bold(fmt::format("Result: {}", e.text.empty() ? (e.observed.value_or(false) ? "observed" : "not observed") : e.text));
  } else if (e.op == "call") {
    line = "  " + who + dim(e.text);
  } else {
    return;
  }
  fmt::print(out_, "{}\n", line);
  std::fflush(out_);
}

}  // namespace harness
