#include "check/words.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "speak/terminal.hpp"
#include "sticky/bytes.hpp"

namespace check {

using speak::tr;

std::string wrap(const std::string& text, std::size_t width, std::size_t indent) {
  // Chinese: by display width, between any two characters (the narrator's wrapping).
  if (speak::display_width(text) != text.size() && speak::current_language() != speak::Language::english)
    return speak::wrap(text, width, indent);
  std::size_t lead = std::min(text.find_first_not_of(' '), text.size());
  std::istringstream words(text.substr(lead));
  std::string word, out, line(lead, ' ');
  while (words >> word) {
    if (!line.empty() && speak::display_width(line) + 1 + speak::display_width(word) > width) {
      out += line + "\n";
      line = std::string(indent, ' ') + word;
    } else {
      if (!line.empty() && line.find_first_not_of(' ') != std::string::npos) line += ' ';
      line += word;
    }
  }
  return out + line;
}

speak::Text quote(std::string_view bytes, std::size_t max) {
  if (bytes.empty()) return tr("\"\" (empty)");
  // As many bytes as fit in about `max` characters once escaped, never half an escape.
  std::size_t n = std::min(bytes.size(), max);
  std::string shown = sticky::printable(bytes.substr(0, n));
  while (n > 1 && shown.size() > max + 4) shown = sticky::printable(bytes.substr(0, --n));
  std::string quoted = fmt::format("\"{}{}\"", shown, n < bytes.size() ? "…" : "");
  return tr("{} ({})", quoted, speak::byte_count(bytes.size()));
}

speak::Text quote_from(std::string_view bytes, std::size_t from, std::size_t max) {
  if (from == 0 || from >= bytes.size()) return quote(bytes, max);
  while (from > 0 && (static_cast<unsigned char>(bytes[from]) & 0xc0) == 0x80) --from;  // a whole character
  std::string_view rest = bytes.substr(from);
  std::size_t n = std::min(rest.size(), max);
  std::string shown = sticky::printable(rest.substr(0, n));
  while (n > 1 && shown.size() > max + 4) shown = sticky::printable(rest.substr(0, --n));
  std::string quoted = fmt::format("\"…{}{}\"", shown, n < rest.size() ? "…" : "");
  return tr("{} ({})", quoted, speak::byte_count(bytes.size()));
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                   "0123456789_-+=./:,@%{}") == std::string::npos;
    if (!out.empty()) out.push_back(' ');
    if (plain) {
      out.append(a);
      continue;
    }
    out.push_back('\'');
    for (char c : a) {
      if (c == '\'') out.append("'\\''");
      else out.push_back(c);
    }
    out.push_back('\'');
  }
  return out;
}

}  // namespace check
