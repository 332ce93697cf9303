#include "html_text.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <optional>

#include "speak/language.hpp"

namespace view {

namespace {

// A format string cut into its fixed text and its holes: "{} of {}" -> ["", " of ", ""],
// holes [0, 1]. "{1} … {0}" numbers its holes itself; "{{" is a brace. False if malformed.
bool split_format(const std::string& format, std::vector<std::string>& literals, std::vector<std::size_t>& holes) {
  literals.assign(1, "");
  holes.clear();
  std::size_t next = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if ((c == '{' || c == '}') && i + 1 < format.size() && format[i + 1] == c) {
      literals.back() += c;
      ++i;
      continue;
    }
    if (c == '}') return false;
    if (c != '{') {
      literals.back() += c;
      continue;
    }
    auto close = format.find('}', i);
    if (close == std::string::npos) return false;
    std::string field = format.substr(i + 1, close - i - 1);
    std::string id = field.substr(0, field.find(':'));
    if (id.empty()) {
      holes.push_back(next++);
    } else if (id.find_first_not_of("0123456789") == std::string::npos && id.size() < 3) {
      holes.push_back(static_cast<std::size_t>(std::stoi(id)));
    } else {
      return false;  // a named argument: not ours
    }
    literals.emplace_back();
    i = close;
  }
  return true;
}

// The catalogue beside the program, where speak finds it: build/locale next to build/bin,
// or share/locale next to an installed bin/.
std::string catalogue_path(const char* language) {
  std::error_code ec;
  auto bin = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  for (auto folder : {bin.parent_path() / "locale", bin.parent_path() / "share" / "locale"}) {
    auto file = folder / language / "LC_MESSAGES" / "sticky.mo";
    if (std::filesystem::exists(file, ec)) return file.string();
  }
  return {};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> read_mo(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  std::ifstream in(path, std::ios::binary);
  std::string mo((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (mo.size() < 28) return out;
  auto word = [&](std::size_t at, bool swap) -> std::optional<std::uint32_t> {
    if (at + 4 > mo.size()) return std::nullopt;
    std::uint32_t v;
    std::memcpy(&v, mo.data() + at, 4);
    return swap ? __builtin_bswap32(v) : v;
  };
  std::uint32_t magic = *word(0, false);
  bool swap = magic == 0xde120495u;
  if (!swap && magic != 0x950412deu) return out;
  auto count = word(8, swap), originals = word(12, swap), translations = word(16, swap);
  if (!count || !originals || !translations) return out;
  auto string_at = [&](std::uint32_t table, std::uint32_t i) -> std::optional<std::string> {
    auto length = word(table + 8 * i, swap), offset = word(table + 8 * i + 4, swap);
    if (!length || !offset || std::size_t{*offset} + *length > mo.size()) return std::nullopt;
    return mo.substr(*offset, *length);
  };
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto id = string_at(*originals, i), str = string_at(*translations, i);
    if (!id || !str) return {};
    // Plural forms: the singular only. A context (msgctxt\x04msgid) is not one of ours.
    std::string msgid = id->substr(0, id->find('\0')), msgstr = str->substr(0, str->find('\0'));
    if (msgid.empty() || msgstr.empty() || msgid.find('\x04') != std::string::npos) continue;
    out.emplace_back(std::move(msgid), std::move(msgstr));
  }
  return out;
}

TraceTexts::TraceTexts() {
  if (speak::current_language() == speak::Language::english) return;
  english_ = false;
  for (const auto& [id, str] : read_mo(catalogue_path("zh_CN"))) add(id, str);
}

TraceTexts::TraceTexts(const std::vector<std::pair<std::string, std::string>>& catalogue) : english_(false) {
  for (const auto& [id, str] : catalogue) add(id, str);
}

void TraceTexts::add(const std::string& msgid, const std::string& msgstr) {
  exact_.emplace(msgid, msgstr);
  Pattern p;
  if (!split_format(msgid, p.literals, p.holes) || p.holes.empty()) return;
  if (!split_format(msgstr, p.local_literals, p.local_holes)) return;
  for (auto hole : p.local_holes)
    if (hole >= p.holes.size()) return;  // a translation that shows an argument the text lacks
  for (const auto& l : p.literals) p.fixed += l.size();
  patterns_.push_back(std::move(p));
}

// The parts of `text` that fill the holes of `p`: the fixed pieces found in order, each hole
// as short as it can be (as speak's own matcher does), the last piece at the very end.
bool TraceTexts::match(const Pattern& p, const std::string& text, std::vector<std::string>& parts) const {
  const auto& lit = p.literals;
  if (!text.starts_with(lit.front()) || !text.ends_with(lit.back())) return false;
  if (lit.front().size() + lit.back().size() > text.size()) return false;
  const std::size_t end = text.size() - lit.back().size();
  std::vector<std::size_t> starts(lit.size());  // where hole k begins
  int budget = 4096;                            // a pathological text gives up, never hangs
  // Hole k starts at `from`; find literal k+1 after it, backtracking over its occurrences.
  auto place = [&](auto& self, std::size_t k, std::size_t from) -> bool {
    if (--budget < 0) return false;
    starts[k] = from;
    if (k + 1 == lit.size() - 1) return from <= end;  // the last piece is fixed at the end
    for (std::size_t at = text.find(lit[k + 1], from); at != std::string::npos && at + lit[k + 1].size() <= end;
         at = text.find(lit[k + 1], at + 1)) {
      parts[k] = text.substr(from, at - from);
      if (self(self, k + 1, at + lit[k + 1].size())) return true;
      if (lit[k + 1].empty()) break;
    }
    return false;
  };
  parts.assign(p.holes.size(), "");
  if (!place(place, 0, lit.front().size())) return false;
  parts.back() = text.substr(starts[lit.size() - 2], end - starts[lit.size() - 2]);
  return true;
}

std::string TraceTexts::localize(const std::string& english) {
  if (english_ || english.empty()) return english;
  return lookup(english, 0).text;
}

namespace {
// Letters of English in a text: what a reader of the translation would still have to read.
std::size_t english_letters(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return n;
}
}  // namespace

TraceTexts::Local TraceTexts::lookup(const std::string& english, int depth) {
  if (auto it = memo_.find(english); it != memo_.end()) return it->second;
  Local best{english, english_letters(english)};
  if (auto it = exact_.find(english); it != exact_.end()) {
    best = {it->second, 0};
  } else if (depth <= 3) {
    // A pattern that begins with fixed text matched at the start of the text is a sure
    // match; one that begins with a hole may have found its fixed pieces by chance (" byte ",
    // " of " inside a Python error message), so it counts only if it translates more of the
    // text than it leaves in English. Among the sure, then the rest: the most fixed text.
    std::pair<bool, std::size_t> rank{false, 0};
    std::vector<std::string> parts;
    for (const auto& p : patterns_) {
      std::pair<bool, std::size_t> mine{!p.literals.front().empty(), p.fixed};
      if (mine <= rank || !match(p, english, parts)) continue;
      std::size_t covered = 0, left = 0;
      for (const auto& l : p.literals) covered += english_letters(l);
      std::vector<std::string> local(parts.size());
      for (std::size_t i = 0; i < parts.size(); ++i) {
        Local part = lookup(parts[i], depth + 1);
        covered += english_letters(parts[i]) - part.english_left;
        left += part.english_left;
        local[i] = std::move(part.text);
      }
      if (covered < 4 || (!mine.first && covered < left)) continue;
      std::string out = p.local_literals[0];
      for (std::size_t i = 0; i < p.local_holes.size(); ++i) out += local[p.local_holes[i]] + p.local_literals[i + 1];
      best = {std::move(out), left};
      rank = mine;
    }
  }
  if (depth <= 3 || best.text != english) memo_.emplace(english, best);  // deeper, nothing was tried
  return best;
}

}  // namespace view
