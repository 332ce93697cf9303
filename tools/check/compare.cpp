#include "check/compare.hpp"

#include <algorithm>

#include "check/program.hpp"
#include "check/words.hpp"

namespace check {

using speak::Text;
using speak::tr;

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(at));
      break;
    }
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return lines;
}

bool has_digit(const std::string& line) {
  return std::any_of(line.begin(), line.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> without_numbered(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines)
    if (!has_digit(l)) out.push_back(l);
  return out;
}

}  // namespace

Text Comparison::describe() const {
  std::vector<Text> parts;
  if (exit && !exit_varies) parts.push_back(tr("exit status"));
  if (out && !out_varies) parts.push_back(ignore.empty() && std::none_of(varying_lines.begin(), varying_lines.end(), [](bool b) { return b; })
                                              ? tr("output")
                                              : tr("output (less the lines left out)"));
  if (err && !err_varies) parts.push_back(tr("stderr"));
  if (sent && !sent_varies) parts.push_back(tr("the bytes it sent"));
  Text out;
  for (std::size_t i = 0; i < parts.size(); ++i)
    out = speak::join({out, parts[i]}, i == 0 ? speak::same("") : i + 1 == parts.size() ? tr(" and ") : tr(", "));
  return out;
}

bool Comparison::anything() const {
  return (exit && !exit_varies) || (out && !out_varies) || (err && !err_varies) || (sent && !sent_varies);
}

Comparison parse_compare(std::string_view channels) {
  Comparison c;
  c.exit = c.out = c.err = c.sent = false;
  while (!channels.empty()) {
    auto comma = channels.find(',');
    std::string_view word = channels.substr(0, comma);
    if (word == "exit") c.exit = true;
    else if (word == "stdout" || word == "output") c.out = true;
    else if (word == "stderr") c.err = true;
    else if (word == "sent") c.sent = true;
    else throw std::invalid_argument(tr("--compare: '{}' is none of exit, stdout, stderr, sent", word).english);
    if (comma == std::string_view::npos) break;
    channels.remove_prefix(comma + 1);
  }
  if (!c.exit && !c.out && !c.err && !c.sent)
    throw std::invalid_argument(tr("--compare: name at least one of exit, stdout, stderr, sent").english);
  return c;
}

void check_ignore(const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    try {
      std::regex r(p, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      throw std::invalid_argument(tr("--ignore: '{}' is not a regular expression", p).english);
    }
  }
}

std::vector<std::string> compared_lines(const Comparison& c, const std::string& text) {
  std::vector<std::regex> patterns;
  for (const auto& p : c.ignore) patterns.emplace_back(p, std::regex::ECMAScript);
  std::vector<std::string> lines;
  for (auto& line : split_lines(text)) {
    bool ignored = std::any_of(patterns.begin(), patterns.end(), [&](const std::regex& r) { return std::regex_search(line, r); });
    if (!ignored) lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<Text> learn(Comparison& c, const ClientRun& a, const ClientRun& b) {
  std::vector<Text> notes;
  if (c.exit && (a.status != b.status || a.killed() != b.killed())) {
    c.exit_varies = true;
    notes.push_back(tr("Its exit status differed between two uncut runs ({} and {}): it is not compared.",
                       speak::localized(a.ending()), speak::localized(b.ending())));
  }
  if (c.out) {
    auto la = compared_lines(c, a.out), lb = compared_lines(c, b.out);
    if (la.size() != lb.size()) {
      c.out_varies = true;
      notes.push_back(tr("Its output differed between two uncut runs ({} and {} lines): it is not compared. "
                         "--ignore REGEX leaves out the lines that vary.",
                         la.size(), lb.size()));
    } else {
      c.varying_lines.assign(la.size(), false);
      std::vector<std::size_t> varying;
      for (std::size_t i = 0; i < la.size(); ++i)
        if (la[i] != lb[i]) {
          c.varying_lines[i] = true;
          varying.push_back(i);
        }
      if (!varying.empty() && varying.size() == la.size()) {
        c.out_varies = true;
        notes.push_back(tr("Every line of its output differed between two uncut runs (the first: {} and {}): its "
                           "output is not compared. --ignore REGEX leaves out the lines that vary.",
                           quote(la[0], 48), quote(lb[0], 48)));
      } else if (varying.size() == 1)
        notes.push_back(tr("Line {} of its output differed between two uncut runs ({} and {}): it is not compared.",
                           varying[0] + 1, quote(la[varying[0]], 48), quote(lb[varying[0]], 48)));
      else if (!varying.empty())
        notes.push_back(tr("{} lines of its output differed between two uncut runs (the first: line {}, {} and {}): "
                           "they are not compared.",
                           varying.size(), varying[0] + 1, quote(la[varying[0]], 48), quote(lb[varying[0]], 48)));
    }
  }
  if (c.err && compared_lines(c, a.err) != compared_lines(c, b.err)) {
    c.err_varies = true;
    notes.push_back(tr("Its stderr differed between two uncut runs: it is not compared."));
  }
  if (c.sent && a.sent != b.sent) {
    c.sent_varies = true;
    notes.push_back(tr("What it sent differed between two uncut runs ({} and {}): it is not compared.",
                       speak::byte_count(a.sent.size()), speak::byte_count(b.sent.size())));
  }
  return notes;
}

bool numbered_difference(const Comparison& c, const std::string& expected, const std::string& out) {
  auto want = compared_lines(c, expected), got = compared_lines(c, out);
  auto masked = [&](std::size_t i) { return i < c.varying_lines.size() && c.varying_lines[i]; };
  std::size_t i = 0;
  while (i < want.size() && i < got.size() && (want[i] == got[i] || masked(i))) ++i;
  return i < want.size() && i < got.size() && has_digit(want[i]) && has_digit(got[i]);
}

std::vector<Text> output_difference(const Comparison& c, const std::string& expected, const std::string& out,
                                    const Text& name) {
  auto want = compared_lines(c, expected), got = compared_lines(c, out);
  auto masked = [&](std::size_t i) { return i < c.varying_lines.size() && c.varying_lines[i]; };
  std::size_t i = 0;
  while (i < want.size() && i < got.size() && (want[i] == got[i] || masked(i))) ++i;
  if (i == want.size() && i == got.size()) return {};
  if (i == got.size() && i == 0) return {tr("It printed nothing: {} printed {} lines.", name, want.size())};
  if (i == got.size())
    return {tr("Its output stops after line {}: {} printed {} lines.", i, name, want.size())};
  if (i == want.size()) {
    std::string more;
    for (std::size_t k = i; k < got.size(); ++k) more += got[k] + "\n";
    return {tr("After the {} lines {} printed, it printed {} more: {}.", want.size(), name, got.size() - want.size(),
               quote(more))};
  }
  // Where two long lines part, show them from a little before it.
  std::size_t same = 0;
  while (same < got[i].size() && same < want[i].size() && got[i][same] == want[i][same]) ++same;
  std::size_t from = same > 16 ? same - 8 : 0;
  return {tr("Its output differs from line {} on: it printed {}; {} printed {}.", i + 1, quote_from(got[i], from), name,
             quote_from(want[i], from))};
}

Difference compare(const Comparison& c, const ClientRun& reference, const ClientRun& run) {
  Difference d;
  bool stuck = run.killed() && !reference.killed();
  bool exit = c.exit && !c.exit_varies && (run.status != reference.status || run.killed() != reference.killed());
  bool err = c.err && !c.err_varies && compared_lines(c, run.err) != compared_lines(c, reference.err);
  bool sent = c.sent && !c.sent_varies && run.sent != reference.sent;
  std::vector<Text> out_story;
  if (c.out && !c.out_varies) out_story = output_difference(c, reference.out, run.out, tr("the uncut run"));
  bool out = !out_story.empty();
  if (!stuck && !exit && !err && !sent && !out) return d;
  d.kind = Difference::Kind::hard;
  if (out && !stuck && !exit && !err && !sent) {
    // Only lines with numbers in them differ: the rest of its output is the uncut run's.
    auto want = compared_lines(c, reference.out), got = compared_lines(c, run.out);
    if (want.size() == got.size()) {
      for (std::size_t i = 0; i < want.size(); ++i)
        if (i < c.varying_lines.size() && c.varying_lines[i]) want[i] = got[i];
    }
    if (without_numbered(want) == without_numbered(got)) d.kind = Difference::Kind::soft;
  }
  d.story = out_story;
  if (!out && c.out && !c.out_varies) d.story.push_back(tr("Its output equals the uncut run's."));
  Text ending = tr("It ended with {}", speak::localized(run.ending()));
  if (run.status != reference.status || run.killed() != reference.killed())
    ending = speak::plus(ending, tr(" (the uncut run: {})", speak::localized(reference.ending())));
  if (auto last = last_line(run.err); !last.empty() && (run.status != 0 || run.killed()))
    ending = tr("{}: {}", ending, last);
  d.story.push_back(tr("{}.", ending));
  if (sent) {
    std::size_t at = 0;
    while (at < run.sent.size() && at < reference.sent.size() && run.sent[at] == reference.sent[at]) ++at;
    d.story.push_back(tr("What it sent differs from byte {} on: {} of the uncut run's {}.", at,
                         speak::byte_count(run.sent.size()), speak::byte_count(reference.sent.size())));
  }
  if (err) d.story.push_back(tr("Its stderr differs from the uncut run's."));
  return d;
}

}  // namespace check
