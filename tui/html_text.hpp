// The trace's own words — step headings, notes, errors, results — in the page's language.
//
// A trace is always English (a demo's --json never changes with the language). The demo's
// narration speaks Chinese because tr() remembered each pair in the demo's own process; a
// page made later from the trace finds the pair again in the message catalogue. Every msgid
// with placeholders is a pattern:
//
//   msgid  "Part B: the cost, through a relay that adds 20 ms each way ({} × `seq 400`)"
//   text   "Part B: the cost, through a relay that adds 20 ms each way (40 × `seq 400`)"
//   ->     "第二部分：…（40 × `seq 400`）"       the msgstr, filled with the same parts
//
// Each part is itself looked up (a message inside a message, as speak's localize() does for
// lib's). Of several patterns that match, one that begins with fixed text wins over one that
// begins with a hole, then the most fixed text; one that begins with a hole must translate
// more than it leaves in English: " byte {} of " found by chance inside a Python error
// message is not a translation of it.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace view {

class TraceTexts {
 public:
  // Reads the catalogue of speak::current_language() (none for English: texts stay as they are).
  TraceTexts();
  // For tests: the catalogue's (msgid, msgstr) pairs given directly.
  explicit TraceTexts(const std::vector<std::pair<std::string, std::string>>& catalogue);

  // `english` in the page's language: the catalogue's exact entry, else the most specific
  // pattern filled (lib's messages and provenance's words are in the catalogue too); else
  // `english` itself.
  std::string localize(const std::string& english);
  std::size_t patterns() const { return patterns_.size(); }

 private:
  struct Pattern {
    std::vector<std::string> literals;  // holes.size() + 1 pieces of fixed text
    std::vector<std::size_t> holes;     // the argument each hole shows
    std::vector<std::string> local_literals;
    std::vector<std::size_t> local_holes;
    std::size_t fixed = 0;              // characters of fixed text: the more, the surer a match
  };
  struct Local {
    std::string text;
    std::size_t english_left;  // letters of English the translation still shows
  };
  void add(const std::string& msgid, const std::string& msgstr);
  Local lookup(const std::string& english, int depth);
  bool match(const Pattern& p, const std::string& text, std::vector<std::string>& parts) const;

  std::vector<Pattern> patterns_;
  std::unordered_map<std::string, std::string> exact_;
  std::unordered_map<std::string, Local> memo_;
  bool english_ = true;
};

// The (msgid, msgstr) pairs of a GNU .mo file; empty if it cannot be read.
std::vector<std::pair<std::string, std::string>> read_mo(const std::string& path);

}  // namespace view
