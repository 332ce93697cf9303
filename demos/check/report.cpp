#include "check/report.hpp"

#include <fmt/color.h>
#include <fmt/format.h>

#include <sstream>

#include "sticky/bytes.hpp"

namespace check {

std::string wrap(const std::string& text, std::size_t width, std::size_t indent) {
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
  if (bytes.empty()) return "\"\" (empty)";
  // As many bytes as fit in about `max` characters once escaped, never half an escape.
  std::size_t n = std::min(bytes.size(), max);
  std::string shown = sticky::printable(bytes.substr(0, n));
  while (n > 1 && shown.size() > max + 4) shown = sticky::printable(bytes.substr(0, --n));
  return fmt::format("\"{}{}\" ({} byte{})", shown, n < bytes.size() ? "…" : "", bytes.size(), bytes.size() == 1 ? "" : "s");
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
  line(wrap("codec: " + r.codec));
  line(fmt::format("seed {}", r.seed));
  for (const auto& l : r.reference) line(wrap("reference: " + l));
  if (r.status == 3) {
    line(paint(colour, bad, "THE REFERENCE RUN FAILED") + " (exit 3): nothing was cut yet.");
    line(wrap(r.reference_failure));
    for (const auto& h : r.hints) line(wrap(h));
    for (const auto& n : r.notes) line(wrap(n));
    return out;
  }

  if (r.planned) {
    line(wrap(fmt::format("cuts: {} of {} planned tried{}", r.tried, r.planned,
                          r.budget_ran_out ? " before the budget ran out" :
                          r.tried < r.planned ? " (it broke; the rest were skipped)" : "")));
    for (Family family : kFamilies) {
      auto it = r.tallies.find(family);
      if (it == r.tallies.end() || it->second.runs == 0) continue;
      const auto& t = it->second;
      std::string verdict = t.failed ? paint(colour, bad, fmt::format("broke it {} of {}", t.failed, t.runs))
                                     : paint(colour, good, "ok");
      line(fmt::format("  {:<30} {:>3} run{}  {}", family_name(family), t.runs, t.runs == 1 ? " " : "s", verdict));
    }
  }

  if (r.status == 0) {
    line(paint(colour, good, "PASSED") + ": " +
         (r.tried ? "every cut gave the reference's answers." : "nothing was cut."));
  } else if (r.finding) {
    const Finding& f = *r.finding;
    if (f.replayed) {
      line(paint(colour, bad, "BROKEN") + wrap(": the replayed cut gives other answers than the reference.", 70));
    } else {
      line(paint(colour, bad, "BROKEN") + ": where the stream is cut changes what the program does.");
      if (!r.diagnosis.mistake.empty())
        line(wrap("Most likely it " + paint(colour, bold, r.diagnosis.mistake) + "."));
      else
        line("The pattern of failing cuts names no classic mistake.");
      if (!r.diagnosis.evidence.empty()) line(wrap("(" + r.diagnosis.evidence + ")", 80, 3));
    }
    std::string cuts = f.cuts.empty() ? "no cut at all: everything in one write"
                                      : fmt::format("{} cut{}, after byte{} {}", f.cuts.size(), f.cuts.size() == 1 ? "" : "s",
                                                    f.cuts.size() == 1 ? "" : "s", format_cuts(f.cuts));
    std::string how = f.replayed || (f.shrunk_from == 0 && f.cuts.empty()) ? "" :
                      fmt::format("; {} from {} in {} replay{}{}", f.minimal ? "shrunk" : "shrinking stopped at the budget,",
                                  f.shrunk_from, f.replays, f.replays == 1 ? "" : "s",
                                  f.found_by.empty() ? "" : ", found by " + f.found_by);
    line(wrap(fmt::format("The smallest cut that breaks it: {}{}.", cuts, how)));
    line(wrap(f.pieces.size() == 1 ? f.stream_name + " went out in one piece, one send():"
                                    : fmt::format("{} went out in {} pieces, each its own send():", f.stream_name, f.pieces.size())));
    std::size_t shown = 0;
    for (const auto& p : f.pieces) {
      if (++shown > 12) {
        line(fmt::format("  … {} more pieces", f.pieces.size() - 12));
        break;
      }
      std::string range = p.end - p.begin == 1 ? fmt::format("byte {}", p.begin) : fmt::format("bytes {}-{}", p.begin, p.end - 1);
      std::string head = fmt::format("  {:<15} {:<25} ", range, hex_preview(p.bytes) + (p.end - p.begin > 8 ? " …" : ""));
      const std::size_t room = 80 - 44;  // the holds column starts at 44 (the … counts one)
      std::string holds = wrap(p.holds, room, 0);
      std::size_t at = 0;
      for (bool first = true; at <= holds.size(); first = false) {
        std::size_t nl = holds.find('\n', at);
        std::string part = holds.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
        line((first ? head : std::string(44, ' ')) + part);
        if (nl == std::string::npos) break;
        at = nl + 1;
      }
    }
    for (const auto& s : f.story) line(wrap(s));
    line(wrap("Replay: " + f.replay, 80, 4));
    if (!f.replay_then.empty()) line(wrap("   then: " + f.replay_then, 80, 4));
  }
  for (const auto& n : r.notes) line(wrap(n));
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
