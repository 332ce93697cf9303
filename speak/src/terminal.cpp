#include "speak/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "speak/language.hpp"
#include "sticky/bytes.hpp"

namespace speak {

namespace {

// The code point at text[i] and its length in bytes (1 for a stray byte).
std::pair<char32_t, std::size_t> code_point(std::string_view text, std::size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
  if (i + n > text.size()) return {c, 1};
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return {c, 1};  // a cut character
  char32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
  return {cp, n};
}

std::size_t columns_of(char32_t cp) {
  if ((cp >= 0x300 && cp <= 0x36f) || cp == 0x200b) return 0;  // combining marks, zero width space
  bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
              (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
              (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

// Length of an escape sequence of colour ("\033[1;36m") at text[i], or 0.
std::size_t escape_at(std::string_view text, std::size_t i) {
  if (text[i] != '\033' || i + 1 >= text.size() || text[i + 1] != '[') return 0;
  std::size_t j = i + 2;
  while (j < text.size() && !(text[j] >= 0x40 && text[j] <= 0x7e)) ++j;
  return j < text.size() ? j - i + 1 : text.size() - i;
}

}  // namespace

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (std::size_t esc = escape_at(text, i)) {
      i += esc;
      continue;
    }
    auto [cp, n] = code_point(text, i);
    width += columns_of(cp);
    i += n;
  }
  return width;
}

std::size_t character_length(std::string_view text, std::size_t at) {
  if (at >= text.size()) return 0;
  if (std::size_t esc = escape_at(text, at)) return esc;
  return code_point(text, at).second;
}

std::string_view fit_columns(std::string_view text, std::size_t columns) {
  std::size_t used = 0, i = 0;
  while (i < text.size()) {
    std::size_t n = character_length(text, i);
    std::size_t w = display_width(text.substr(i, n));
    if (used + w > columns) break;
    used += w;
    i += n;
  }
  return text.substr(0, i);
}

std::mutex& screen() {
  static std::mutex terminal;
  return terminal;
}

std::string pad(const std::string& text, std::size_t columns) {
  std::size_t width = display_width(text);
  return width >= columns ? text : text + std::string(columns - width, ' ');
}

namespace {

bool closing_mark(char32_t cp) {
  return std::u32string_view(U"，。、；：！？）」』”’》…—),.;:!?'\"").find(cp) != std::u32string_view::npos;
}
bool opening_mark(char32_t cp) { return std::u32string_view(U"（「『“‘《(\"'").find(cp) != std::u32string_view::npos; }

// Where to break `line` so that its first part fits in `room` columns: the last space that
// fits, one outside "quoted bytes" if that does not waste half the line. npos: no space.
std::size_t break_point(std::string_view line, std::size_t room) {
  std::size_t lead = line.find_first_not_of(' ');  // indentation is not a word boundary
  if (lead == std::string_view::npos) return std::string_view::npos;
  std::size_t outside = std::string_view::npos, any = std::string_view::npos, outside_used = 0;
  std::size_t used = 0;
  bool quoted = false;
  char32_t previous = 0;
  const bool chinese = speak::current_language() == speak::Language::chinese;
  for (std::size_t i = 0; i < line.size();) {
    if (std::size_t esc = escape_at(line, i)) {
      i += esc;
      continue;
    }
    char c = line[i];
    auto [cp, n] = code_point(line, i);
    // Chinese breaks between any two characters, but not before a closing mark (，。) nor
    // after an opening one (（“). (English narration breaks at spaces only, as it always did.)
    bool between_wide = chinese && i > lead && c != ' ' && line[i - 1] != ' ' && (columns_of(cp) == 2 || columns_of(previous) == 2) &&
                        !closing_mark(cp) && !opening_mark(previous);
    if ((c == ' ' && i > lead && line[i - 1] != ' ') || between_wide) {
      if (used > room) {
        if (any == std::string_view::npos) return i;  // the first word is too long: overflow here
        break;
      }
      any = i;
      if (!quoted) {
        outside = i;
        outside_used = used;
      }
    }
    if (c == '"' && (i == 0 || line[i - 1] != '\\')) quoted = !quoted;
    used += columns_of(cp);
    previous = cp;
    i += n;
  }
  if (outside != std::string_view::npos && outside_used * 2 >= room) return outside;
  return any;
}

std::string wrap_line(std::string_view line, std::size_t width, std::size_t indent) {
  std::string out;
  bool first = true;
  for (;;) {
    std::size_t room = first ? width : width > indent + 20 ? width - indent : 20;
    std::string margin = first ? "" : std::string(indent, ' ');
    std::size_t cut = display_width(line) <= room ? std::string_view::npos : break_point(line, room);
    if (cut == std::string_view::npos) return out + margin + std::string(line);
    out += margin + std::string(line.substr(0, cut)) + "\n";
    std::size_t next = line.find_first_not_of(' ', cut);
    if (next == std::string_view::npos) {
      out.pop_back();
      return out;
    }
    line = line.substr(next);
    first = false;
  }
}

}  // namespace

std::string wrap(std::string_view text, std::size_t width, std::size_t indent) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    std::size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += wrap_line(line, width, indent);
    if (nl == std::string_view::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

std::size_t output_width(int fd) {
  winsize size{};
  if (::isatty(fd) && ::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) return size.ws_col;
  return 80;
}

std::string preview(std::string_view bytes, std::size_t limit) {
  std::string text = sticky::printable(bytes);
  if (display_width(text) <= limit) return "\"" + text + "\"";
  // Cut between whole characters and whole escapes ("\n", "\xd4"), never inside one.
  std::vector<std::string_view> units;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = text[i] == '\\' ? (i + 1 < text.size() && text[i + 1] == 'x' ? 4 : 2) : code_point(text, i).second;
    n = std::min(n, text.size() - i);
    units.push_back(std::string_view(text).substr(i, n));
    i += n;
  }
  std::size_t head = limit * 2 / 3, tail = limit - head;
  std::string front, back;
  std::size_t used = 0, first = 0;
  for (; first < units.size() && used + display_width(units[first]) <= head; ++first) {
    used += display_width(units[first]);
    front += units[first];
  }
  used = 0;
  for (std::size_t last = units.size(); last > first && used + display_width(units[last - 1]) <= tail; --last) {
    used += display_width(units[last - 1]);
    back.insert(0, units[last - 1]);
  }
  return "\"" + front + "…" + back + "\"";
}

}  // namespace speak
