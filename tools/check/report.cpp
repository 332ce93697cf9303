#include "check/report.hpp"

#include <fmt/color.h>
#include <fmt/format.h>

#include <sstream>

#include "speak/narrator.hpp"
#include "speak/text.hpp"
#include "sticky/bytes.hpp"

namespace check {

using speak::localize;
using speak::tr;

std::string wrap(const std::string& text, std::size_t width, std::size_t indent) {
  // Chinese: by display width, between any two characters (the narrator's wrapping).
  if (speak::display_width(text) != text.size() && speak::current_language() != speak::Language::english)
    return speak::wrap(text, width, indent);
  std::size_t lead = std::min(text.find_first_not_of(' '), text.size());
  std::istringstream words(text.substr(lead));
  std::string word, out, line(lead, ' ');
  auto columns = [](const std::string& s) {  // UTF-8: count code points, not bytes
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xc0) != 0x80;
    return n;
  };
  while (words >> word) {
    if (!line.empty() && columns(line) + 1 + columns(word) > width) {
      out += line + "\n";
      line = std::string(indent, ' ') + word;
    } else {
      line += (line.empty() || line.find_first_not_of(' ') == std::string::npos ? "" : " ") + word;
    }
  }
  return out + line;
}

std::string quote(std::string_view bytes, std::size_t max) {
  if (bytes.empty()) return tr("\"\" (empty)").english;
  // As many bytes as fit in about `max` characters once escaped, never half an escape.
  std::size_t n = std::min(bytes.size(), max);
  std::string shown = sticky::printable(bytes.substr(0, n));
  while (n > 1 && shown.size() > max + 4) shown = sticky::printable(bytes.substr(0, --n));
  std::string quoted = fmt::format("\"{}{}\"", shown, n < bytes.size() ? "…" : "");
  return tr("{} ({})", quoted, speak::byte_count(bytes.size())).english;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                   "0123456789_-+=./:,@%") == std::string::npos;
    std::string q = a;
    if (!plain) {
      q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      q += "'";
    }
    out += (out.empty() ? "" : " ") + q;
  }
  return out;
}

namespace {

std::string paint(bool colour, fmt::text_style style, const std::string& text) {
  return colour ? fmt::format(style, "{}", text) : text;
}

std::string hex_preview(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < 8; ++i)
    out += fmt::format("{}{:02x}", i ? " " : "", static_cast<unsigned char>(bytes[i]));
  return out;
}

}  // namespace

std::string render_text(const Report& r, bool colour) {
  std::string out;
  auto line = [&](const std::string& text) { out += text + "\n"; };
  auto bad = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::red);
  auto good = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::green);
  auto bold = fmt::emphasis::bold;

  line(wrap(fmt::format("sticky-check {}: {}{}", r.mode, r.target, r.program.empty() ? "" : " (" + r.program + ")")));
  line(wrap(tr("codec: {}", localize(r.codec)).local));
  line(fmt::format("seed {}", r.seed));  // (as it is: scripts read the seed)
  for (const auto& l : r.reference) line(wrap(tr("reference: {}", localize(l)).local));
  if (r.status == 3) {
    line(paint(colour, bad, tr("THE REFERENCE RUN FAILED").local) + tr(" (exit 3): nothing was cut yet.").local);
    line(wrap(localize(r.reference_failure)));
    for (const auto& h : r.hints) line(wrap(localize(h)));
    for (const auto& n : r.notes) line(wrap(localize(n)));
    return out;
  }

  if (r.planned) {
    line(wrap(r.budget_ran_out        ? tr("cuts: {0} of {1} planned tried before the budget ran out", r.tried, r.planned).local
              : r.tried < r.planned ? tr("cuts: {0} of {1} planned tried (it broke; the rest were skipped)", r.tried,
                                         r.planned)
                                          .local
                                    : tr("cuts: {0} of {1} planned tried", r.tried, r.planned).local));
    for (Family family : kFamilies) {
      auto it = r.tallies.find(family);
      if (it == r.tallies.end() || it->second.runs == 0) continue;
      const auto& t = it->second;
      std::string verdict = t.failed ? paint(colour, bad, tr("broke it {} of {}", t.failed, t.runs).local)
                                     : paint(colour, good, tr("ok").local);
      std::string runs = speak::pad(t.runs == 1 ? tr("{:>3} run", t.runs).local : tr("{:>3} runs", t.runs).local, 8);
      line(fmt::format("  {} {}  {}", speak::pad(family_text(family).local, 30), runs, verdict));
    }
  }

  if (r.status == 0) {
    line(paint(colour, good, tr("PASSED").local) +
         (r.tried ? tr(": every cut gave the reference's answers.").local : tr(": nothing was cut.").local));
  } else if (r.finding) {
    const Finding& f = *r.finding;
    if (f.replayed) {
      line(paint(colour, bad, tr("BROKEN").local) +
           wrap(tr(": the replayed cut gives other answers than the reference.").local, 70));
    } else {
      line(paint(colour, bad, tr("BROKEN").local) + tr(": where the stream is cut changes what the program does.").local);
      if (!r.diagnosis.mistake.empty())
        line(wrap(tr("Most likely it {}.", speak::same(paint(colour, bold, localize(r.diagnosis.mistake)))).local));
      else
        line(tr("The pattern of failing cuts names no classic mistake.").local);
      if (!r.diagnosis.evidence.empty()) line(wrap(tr("({})", localize(r.diagnosis.evidence)).local, 80, 3));
    }
    speak::Text cuts = f.cuts.empty()       ? tr("no cut at all: everything in one write")
                         : f.cuts.size() == 1 ? tr("1 cut, after byte {}", format_cuts(f.cuts))
                                              : tr("{} cuts, after bytes {}", f.cuts.size(), format_cuts(f.cuts));
    speak::Text found_by = f.found_by.empty() ? speak::same("") : tr(", found by {}", speak::localized(f.found_by));
    speak::Text how = f.replayed || (f.shrunk_from == 0 && f.cuts.empty()) ? speak::same("")
                        : f.minimal
                            ? (f.replays == 1 ? tr("; shrunk from {} in {} replay{}", f.shrunk_from, f.replays, found_by)
                                              : tr("; shrunk from {} in {} replays{}", f.shrunk_from, f.replays, found_by))
                            : (f.replays == 1
                                   ? tr("; shrinking stopped at the budget, from {} in {} replay{}", f.shrunk_from,
                                        f.replays, found_by)
                                   : tr("; shrinking stopped at the budget, from {} in {} replays{}", f.shrunk_from,
                                        f.replays, found_by));
    line(wrap(tr("The smallest cut that breaks it: {}{}.", cuts, how).local));
    bool answers = f.stream_name == "The answers";
    line(wrap(f.pieces.size() == 1
                  ? (answers ? tr("The answers went out in one piece, one send():")
                             : tr("The requests went out in one piece, one send():"))
                        .local
                  : (answers ? tr("The answers went out in {} pieces, each its own send():", f.pieces.size())
                             : tr("The requests went out in {} pieces, each its own send():", f.pieces.size()))
                        .local));
    std::size_t shown = 0;
    for (const auto& p : f.pieces) {
      if (++shown > 12) {
        line("  " + tr("… {} more pieces", f.pieces.size() - 12).local);
        break;
      }
      std::string range = p.end - p.begin == 1 ? tr("byte {}", p.begin).local : tr("bytes {}-{}", p.begin, p.end - 1).local;
      std::string head = fmt::format("  {} {:<25} ", speak::pad(range, 15),
                                     hex_preview(p.bytes) + (p.end - p.begin > 8 ? " …" : ""));
      const std::size_t room = 80 - 44;  // the holds column starts at 44 (the … counts one)
      std::string holds = wrap(localize(p.holds), room, 0);
      std::size_t at = 0;
      for (bool first = true; at <= holds.size(); first = false) {
        std::size_t nl = holds.find('\n', at);
        std::string part = holds.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
        line((first ? head : std::string(44, ' ')) + part);
        if (nl == std::string::npos) break;
        at = nl + 1;
      }
    }
    for (const auto& s : f.story) line(wrap(localize(s)));
    line(wrap(tr("Replay: {}", f.replay).local, 80, 4));
    if (!f.replay_then.empty()) line(wrap(tr("   then: {}", f.replay_then).local, 80, 4));
  }
  for (const auto& n : r.notes) line(wrap(localize(n)));
  return out;
}

nlohmann::json render_json(const Report& r) {
  nlohmann::json j;
  j["mode"] = r.mode;
  j["target"] = r.target;
  j["program"] = r.program;
  j["codec"] = r.codec;
  j["seed"] = r.seed;
  j["status"] = r.status;
  j["verdict"] = r.status == 0 ? "passed" : r.status == 1 ? "broken" : "reference failed";
  j["reference"] = r.reference;
  if (r.status == 3) {
    j["reference_failure"] = r.reference_failure;
    j["hints"] = r.hints;
  }
  j["planned"] = r.planned;
  j["tried"] = r.tried;
  j["budget_ran_out"] = r.budget_ran_out;
  j["families"] = nlohmann::json::array();
  for (Family family : kFamilies) {
    auto it = r.tallies.find(family);
    if (it == r.tallies.end() || it->second.runs == 0) continue;
    j["families"].push_back({{"family", family_name(family)}, {"runs", it->second.runs}, {"failed", it->second.failed}});
  }
  j["diagnosis"] = r.diagnosis.mistake;
  j["evidence"] = r.diagnosis.evidence;
  if (r.finding) {
    const Finding& f = *r.finding;
    nlohmann::json pieces = nlohmann::json::array();
    for (const auto& p : f.pieces)
      pieces.push_back({{"begin", p.begin}, {"end", p.end}, {"first_bytes", sticky::to_hex(p.bytes)}, {"holds", p.holds}});
    j["smallest"] = {{"cuts", f.cuts},           {"found_by", f.found_by}, {"shrunk_from", f.shrunk_from},
                     {"replays", f.replays},     {"minimal", f.minimal},   {"replayed", f.replayed},
                     {"pieces", pieces},         {"story", f.story},       {"replay", f.replay},
                     {"replay_then", f.replay_then}};
  }
  j["notes"] = r.notes;
  j["elapsed_ms"] = static_cast<std::int64_t>(r.elapsed_ms);
  return j;
}

}  // namespace check
