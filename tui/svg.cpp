#include "svg.hpp"
#include "fit.hpp"

#include <fmt/format.h>

#include "speak/terminal.hpp"
#include "sticky/bytes.hpp"
#include "sticky/provenance.hpp"

namespace view {

namespace {

const char* const kFill[] = {"#7fd3e6", "#f5d76e", "#e59ee5", "#8fdc8f", "#9db7f5", "#f59a9a"};

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

constexpr int kWidth = 960, kColumn = 450, kChar = 8, kLine = 18;

}  // namespace

std::string to_svg(const Model& model, std::size_t max_calls) {
  std::string body;
  int y = 70;
  std::size_t drawn = 0;
  for (std::size_t i = 0; i < model.calls().size() && drawn < max_calls; ++i) {
    const Call& c = model.calls()[i];
    if (model.connection() && c.conn != model.connection()) continue;
    ++drawn;
    int x0 = c.is_send ? 20 : 20 + kColumn + 20;
    // As on the screen: a long program name gives way to the column, never the byte count.
    std::string head = call_heading(c.side(), c.label(),
                                    fmt::format(" → {}{}", sticky::count_bytes(c.moved), c.truncated ? " (truncated)" : ""),
                                    kColumn / kChar - 2);
    body += fmt::format(R"(<text x="{}" y="{}" class="head">{}</text>)", x0, y, escape(head));
    body += "\n";
    y += 6;
    int x = x0, row_y = y;
    const int right = x0 + kColumn;
    for (const auto& span : c.spans) {
      std::string text = sticky::printable(c.bytes(span));
      if (speak::display_width(text) > 120) {
        // Cut between whole characters: a picture of 粘包 must stay valid UTF-8.
        std::size_t tail = text.size();
        while (tail > 0 && speak::display_width(std::string_view(text).substr(tail)) < 30)
          do --tail; while (tail > 0 && (static_cast<unsigned char>(text[tail]) & 0xc0) == 0x80);
        text = std::string(speak::fit_columns(text, 80)) + "…" + text.substr(tail);
      }
      std::string label = span.msg ? fmt::format("{}{}", span.starts_message ? "" : "…", span.msg) : "?";
      // Break the span into pieces that fit the column.
      std::size_t at = 0;
      bool first = true;
      while (at < text.size() || first) {
        int room = (right - x) / kChar - (first ? static_cast<int>(label.size()) + 1 : 0);
        if (room < 4) {
          x = x0;
          row_y += kLine + 4;
          continue;
        }
        std::string piece(speak::fit_columns(std::string_view(text).substr(at), static_cast<std::size_t>(room)));
        if (piece.empty() && at < text.size()) piece = text.substr(at, speak::character_length(text, at));
        int w = (static_cast<int>(speak::display_width(piece)) + (first ? static_cast<int>(label.size()) + 1 : 0)) * kChar + 6;
        const char* fill = span.msg ? kFill[(span.msg - 1) % 6] : "#dddddd";
        body += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"/>)", x, row_y, w, kLine, fill);
        if (first)
          body += fmt::format(R"(<text x="{}" y="{}" class="msg">{}</text>)", x + 3, row_y + 13, escape(label));
        body += fmt::format(R"(<text x="{}" y="{}" class="bytes">{}</text>)",
                            x + 3 + (first ? (static_cast<int>(label.size()) + 1) * kChar : 0), row_y + 13, escape(piece));
        body += "\n";
        x += w + 4;
        at += piece.size();
        first = false;
        if (at < text.size()) {
          x = x0;
          row_y += kLine + 4;
        }
      }
    }
    y = row_y + kLine + 22;
  }
  if (drawn < model.calls().size())
    body += fmt::format(R"(<text x="20" y="{}" class="note">… {} more calls in the trace</text>)", y,
                        model.calls().size() - drawn) + "\n";
  int height = y + 30;
  std::string out = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" font-family="monospace" font-size="13">)"
      "\n<style>.head{{font-weight:bold;fill:#222}} .msg{{font-weight:bold;fill:#000}} .bytes{{fill:#111}} "
      ".title{{font-size:16px;font-weight:bold}} .note{{fill:#555}} .col{{fill:#555;font-weight:bold}}</style>\n"
      R"(<rect width="100%" height="100%" fill="#ffffff"/>)"
      "\n",
      kWidth, height, kWidth, height);
  out += fmt::format(R"(<text x="20" y="24" class="title">{}</text>)", escape(model.title())) + "\n";
  out += fmt::format(R"(<text x="20" y="50" class="col">sent: each send() call</text>)") + "\n";
  out += fmt::format(R"(<text x="{}" y="50" class="col">received: each recv() call ([n] = message n)</text>)",
                     40 + kColumn) + "\n";
  out += fmt::format(R"(<line x1="{}" y1="36" x2="{}" y2="{}" stroke="#bbb"/>)", 30 + kColumn, 30 + kColumn, height - 20) + "\n";
  out += body + "</svg>\n";
  return out;
}

}  // namespace view
