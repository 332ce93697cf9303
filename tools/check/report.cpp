#include "check/report.hpp"

#include <fmt/color.h>
#include <fmt/format.h>

#include "check/words.hpp"
#include "speak/terminal.hpp"
#include "speak/text.hpp"
#include "sticky/bytes.hpp"

namespace check {

using speak::Text;
using speak::tr;

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::passed: return "passed";
    case Verdict::broken: return "broken";
    case Verdict::cannot_tell: return "cannot tell";
  }
  return "?";
}

int exit_status(Verdict verdict) {
  switch (verdict) {
    case Verdict::passed: return 0;
    case Verdict::broken: return 1;
    case Verdict::cannot_tell: return 3;
  }
  return 3;
}

namespace {

std::string paint(bool colour, fmt::text_style style, const std::string& text) {
  return colour ? fmt::format(style, "{}", text) : text;
}

// "lesson 02 (02-short-read.md)"
Text lesson_text(const Mistake& m) {
  return tr("lesson {:02} ({})", m.lesson, m.lesson_file);
}

// "A", "A and B", "A, B, and C"
Text mistake_list(const Diagnosis& d) {
  Text out;
  for (std::size_t i = 0; i < d.mistakes.size(); ++i)
    out = speak::join({out, d.mistakes[i].words},
                      i == 0 ? speak::same("") : i + 1 == d.mistakes.size() ? tr(", and ") : tr(", "));
  return out;
}

}  // namespace

std::string render_text(const Report& r, bool colour) {
  std::string out;
  auto line = [&](const std::string& text) { out += text + "\n"; };
  auto bad = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::red);
  auto good = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::green);
  auto doubt = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::yellow);
  auto bold = fmt::emphasis::bold;

  line(wrap(fmt::format("sticky-check {}: {}{}", r.mode, r.target, r.program.empty() ? "" : " (" + r.program + ")")));
  if (r.same_framing) {
    line(wrap(tr("framing: {}", r.requests).local));
  } else {
    line(wrap(tr("requests: {}", r.requests).local));
    line(wrap(tr("answers: {}", r.answers).local));
  }
  line(tr("seed {}", r.seed).local);
  for (const auto& l : r.reference) line(wrap(tr("reference: {}", l).local));
  // The mistake, its fix and its lesson.
  auto diagnosis = [&] {
    if (!r.diagnosis.empty()) {
      line(wrap(tr("Most likely it {}.", speak::same(paint(colour, bold, mistake_list(r.diagnosis).local))).local));
      for (const auto& m : r.diagnosis.mistakes) line(wrap(tr("Fix: {}: {}.", m.fix, lesson_text(m)).local, 80, 5));
    }
  };
  if (r.verdict == Verdict::cannot_tell) {
    if (r.reference_failed)
      line(paint(colour, bad, tr("THE REFERENCE RUN FAILED").local) + tr(" (exit 3): nothing was cut yet.").local);
    else
      line(paint(colour, doubt, tr("CANNOT TELL").local) + tr(" (exit 3): the evidence is not enough for a verdict.").local);
    line(wrap(r.cannot_tell.local));
    for (const auto& h : r.hints) line(wrap(h.local));
    diagnosis();
    if (r.reference_failed || !r.planned) {
      for (const auto& n : r.notes) line(wrap(n.local));
      return out;
    }
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
                            : t.inconclusive == t.runs ? paint(colour, doubt, tr("no evidence").local)
                                                       : paint(colour, good, tr("ok").local);
      std::string runs = speak::pad(t.runs == 1 ? tr("{:>3} run", t.runs).local : tr("{:>3} runs", t.runs).local, 8);
      line(fmt::format("  {} {}  {}", speak::pad(family_text(family).local, 30), runs, verdict));
    }
  }

  if (r.verdict == Verdict::passed) {
    line(wrap(paint(colour, good, tr("PASSED").local) + tr(": {}", r.proves).local));
  } else if (r.finding) {
    const Finding& f = *r.finding;
    if (r.verdict != Verdict::broken) {
      // cannot tell: the cut that changed something, told as it is
    } else if (f.uncut) {
      line(paint(colour, bad, tr("BROKEN").local) + wrap(tr(": its answers are not the expected ones, even uncut.").local, 70));
    } else if (f.replayed) {
      line(paint(colour, bad, tr("BROKEN").local) +
           wrap(tr(": the replayed cut gives other answers than the reference.").local, 70));
    } else {
      line(paint(colour, bad, tr("BROKEN").local) + tr(": where the stream is cut changes what the program does.").local);
    }
    if (r.verdict == Verdict::broken && !f.uncut && !f.replayed) {
      if (!r.diagnosis.empty()) diagnosis();
      else line(wrap(tr("The pattern of failing cuts names no classic mistake.").local));
      if (!r.diagnosis.evidence.english.empty()) line(wrap(tr("({})", r.diagnosis.evidence).local, 80, 3));
    }
    if (!f.uncut) {
      Text cuts = f.cuts.empty()       ? tr("no cut at all: everything in one write")
                  : f.cuts.size() == 1 ? tr("1 cut, after byte {}", format_cuts(f.cuts))
                                       : tr("{} cuts, after bytes {}", f.cuts.size(), format_cuts(f.cuts));
      Text found_by = f.found_by.empty() ? speak::same("") : tr(", found by {}", f.found_by_text);
      Text how = f.replayed ? speak::same("")
                 : f.shrunk_from == 0 ? found_by
                 : f.minimal
                     ? (f.replays == 1 ? tr("; shrunk from {} in {} replay{}", f.shrunk_from, f.replays, found_by)
                                       : tr("; shrunk from {} in {} replays{}", f.shrunk_from, f.replays, found_by))
                     : (f.replays == 1 ? tr("; shrinking stopped at the budget, from {} in {} replay{}", f.shrunk_from,
                                            f.replays, found_by)
                                       : tr("; shrinking stopped at the budget, from {} in {} replays{}", f.shrunk_from,
                                            f.replays, found_by));
      line(wrap((r.verdict == Verdict::broken ? tr("The smallest cut that breaks it: {}{}.", cuts, how)
                                              : tr("The cut: {}{}.", cuts, how))
                    .local));
      line(wrap(f.pieces.size() == 1
                    ? (f.answers ? tr("The answers went out in one piece, one send():")
                                 : tr("The requests went out in one piece, one send():"))
                          .local
                    : (f.answers  ? tr("The answers went out in {} pieces, each its own send():", f.pieces.size())
                       : f.apart ? tr("The requests went out in {} pieces, each its own send(), each message on a "
                                      "connection of its own:",
                                      f.pieces.size())
                                 : tr("The requests went out in {} pieces, each its own send():", f.pieces.size()))
                          .local));
      std::size_t shown = 0;
      for (const auto& p : f.pieces) {
        if (++shown > 12) {
          line("  " + tr("… {} more pieces", f.pieces.size() - 12).local);
          break;
        }
        std::string range =
            p.end - p.begin == 1 ? tr("byte {}", p.begin).local : tr("bytes {}-{}", p.begin, p.end - 1).local;
        std::string head = fmt::format("  {} {:<25} ", speak::pad(range, 15),
                                       sticky::to_hex_spaced(p.bytes, 8) + (p.end - p.begin > 8 ? " …" : ""));
        const std::size_t room = 80 - 44;  // the holds column starts at 44 (the … counts one)
        std::string holds = wrap(p.holds.local, room, 0);
        std::size_t at = 0;
        for (bool first = true; at <= holds.size(); first = false) {
          std::size_t nl = holds.find('\n', at);
          std::string part = holds.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
          line((first ? head : std::string(44, ' ')) + part);
          if (nl == std::string::npos) break;
          at = nl + 1;
        }
      }
    }
    for (const auto& s : f.steps) line(wrap(s.local));
    if (!f.replay.empty()) line(wrap(tr("Replay: {}", f.replay).local, 80, 4));
    if (!f.replay_then.empty()) line(wrap(tr("   then: {}", f.replay_then).local, 80, 4));
  }
  for (const auto& n : r.notes) line(wrap(n.local));
  return out;
}

nlohmann::json render_json(const Report& r) {
  nlohmann::json j;
  j["mode"] = r.mode;
  j["target"] = r.target;
  j["program"] = r.program;
  j["framing"] = {{"requests", r.requests.english}, {"answers", r.answers.english}};
  j["seed"] = r.seed;
  j["status"] = r.status();
  j["verdict"] = verdict_name(r.verdict);
  auto english = [](const std::vector<Text>& texts) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& t : texts) a.push_back(t.english);
    return a;
  };
  j["reference"] = english(r.reference);
  if (r.verdict == Verdict::cannot_tell) {
    j["cannot_tell"] = r.cannot_tell.english;
    if (r.reference_failed) j["reference_failure"] = r.cannot_tell.english;
    j["hints"] = english(r.hints);
  }
  j["planned"] = r.planned;
  j["tried"] = r.tried;
  j["inconclusive"] = r.inconclusive;
  j["budget_ran_out"] = r.budget_ran_out;
  j["families"] = nlohmann::json::array();
  for (Family family : kFamilies) {
    auto it = r.tallies.find(family);
    if (it == r.tallies.end() || it->second.runs == 0) continue;
    j["families"].push_back({{"family", family_name(family)},
                             {"runs", it->second.runs},
                             {"failed", it->second.failed},
                             {"inconclusive", it->second.inconclusive}});
  }
  j["probes"] = nlohmann::json::array();
  for (const auto& p : r.probes) {
    if (!p.broke) continue;
    j["probes"].push_back({{"probe", p.name}, {"cuts", p.cuts}, {"broke", *p.broke}});
  }
  j["diagnosis"] = nlohmann::json::array();
  for (const auto& m : r.diagnosis.mistakes)
    j["diagnosis"].push_back({{"id", m.id},
                              {"mistake", m.words.english},
                              {"fix", m.fix.english},
                              {"said", {{"mistake", m.words.local}, {"fix", m.fix.local}}},
                              {"lesson", m.lesson},
                              {"lesson_file", m.lesson_file}});
  j["mistake"] = mistake_list(r.diagnosis).english;
  j["evidence"] = r.diagnosis.evidence.english;
  if (r.finding) {
    const Finding& f = *r.finding;
    nlohmann::json pieces = nlohmann::json::array();
    for (const auto& p : f.pieces)
      pieces.push_back(
          {{"begin", p.begin}, {"end", p.end}, {"first_bytes", sticky::to_hex(p.bytes)}, {"holds", p.holds.english}});
    j["smallest"] = {{"cuts", f.cuts},         {"found_by", f.found_by},       {"shrunk_from", f.shrunk_from},
                     {"replays", f.replays},   {"minimal", f.minimal},         {"replayed", f.replayed},
                     {"uncut", f.uncut},       {"pieces", pieces},             {"steps", english(f.steps)},
                     {"replay", f.replay},     {"replay_then", f.replay_then}};
  }
  if (r.verdict == Verdict::passed) {
    j["proves"] = r.proves.english;
    j["correct"] = r.correct;
  }
  j["notes"] = english(r.notes);
  j["elapsed_ms"] = static_cast<std::int64_t>(r.elapsed_ms);
  return j;
}

}  // namespace check
