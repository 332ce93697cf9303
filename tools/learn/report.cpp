#include "learn/report.hpp"

#include <fmt/color.h>
#include <fmt/format.h>

#include "speak/language.hpp"
#include "speak/terminal.hpp"

namespace learn {

using speak::Text;
using speak::tr;

std::string lesson_path(const Exercise& e, bool chinese) {
  return fmt::format("lessons/{}{}.md", chinese ? "zh/" : "", e.lesson);
}

Text heading(const Exercise& e) {
  return tr("Exercise {} · {} (lesson {})", e.number_text(), e.title.text(), e.lesson.substr(0, 2));
}

namespace {

std::string paint(bool colour, fmt::text_style style, const std::string& text) {
  return colour ? fmt::format(style, "{}", text) : text;
}

}  // namespace

std::string render_text(const Verdict& v, const Exercise& e, bool colour, std::size_t width) {
  bool chinese = speak::current_language() == speak::Language::chinese;
  auto bad = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::red);
  auto good = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::green);
  auto bold = fmt::emphasis::bold;
  std::string out;
  auto line = [&](const std::string& text, std::size_t indent = 0) {
    out += speak::wrap(text, width, indent) + "\n";
  };
  // "Why:    text", continued under the text.
  auto field = [&](const Text& label, const Text& text) {
    std::string head = speak::pad(label.local, 8);
    std::string body = speak::wrap(text.local, width - 8, 0);
    std::size_t at = 0;
    for (bool first = true;; first = false) {
      std::size_t nl = body.find('\n', at);
      out += (first ? paint(colour, bold, head) : std::string(8, ' ')) + body.substr(at, nl == std::string::npos ? nl : nl - at) + "\n";
      if (nl == std::string::npos) break;
      at = nl + 1;
    }
  };

  line(paint(colour, bold, heading(e).local));
  line(tr("{} checked, seed {}", v.file, v.seed).local);
  out += "\n";
  for (std::size_t i = 0; i < v.steps.size(); ++i) {
    const Step& s = v.steps[i];
    std::string number = fmt::format("{:>3}. ", i + 1);
    std::string mark = s.ok ? paint(colour, good, "✓") : paint(colour, bad, "✗");
    bool short_ok = s.ok && s.pieces.empty() && s.expected.local.empty();
    std::string did = speak::wrap(s.did.local, width - 7, 5);
    if (s.ok && (short_ok || !s.expected.local.empty())) {
      out += number + did + " " + mark + "\n";
      for (const auto& p : s.pieces) out += "       " + speak::wrap(p.local, width - 7, 42) + "\n";
      continue;
    }
    out += number + did + "\n";
    for (const auto& p : s.pieces) out += "       " + speak::wrap(p.local, width - 7, 42) + "\n";
    // "Expected: ..." and "Instead:  ...", their texts in one column.
    std::string expected_label = tr("Expected:").local, instead_label = tr("Instead:").local;
    std::size_t column = std::max(speak::display_width(expected_label), speak::display_width(instead_label)) + 1;
    if (!s.expected.local.empty())
      out += speak::wrap("     " + speak::pad(expected_label, column) + s.expected.local, width, 5 + column) + "\n";
    if (!s.got.local.empty())
      out += speak::wrap("     " + speak::pad(instead_label, column) + s.got.local, width, 5 + column) + " " + mark + "\n";
  }
  if (!v.steps.empty()) out += "\n";

  if (v.status == 0) {
    line(paint(colour, good, tr("PASSED: exercise {} is done.", e.number_text()).local));
    for (const auto& p : v.proven) line("  - " + p.local, 4);
  } else if (v.status == 3) {
    line(paint(colour, bad, tr("NOT JUDGED").local) + tr(" (exit 3): the program could not be checked.").local);
    field(tr("Why:"), v.reason);
  } else {
    line(paint(colour, bad, tr("FAILED").local) +
         (v.failed_step ? tr(" at step {}.", v.failed_step).local : tr(".").local));
    field(tr("Why:"), v.diagnosis);
    if (!v.fix.local.empty()) field(tr("Fix:"), v.fix);
  }
  if (v.status != 0) field(tr("Reread:"), speak::same(lesson_path(e, chinese)));
  for (const auto& n : v.notes) line(tr("Note: {}", n).local, 2);
  if (v.status == 1) field(tr("Replay:"), speak::same(v.replay));
  return out;
}

nlohmann::json render_json(const Verdict& v, const Exercise& e, const std::string& text) {
  nlohmann::json j;
  j["exercise"] = e.name;
  j["number"] = e.number;
  j["title"] = e.title.en;
  j["lesson"] = lesson_path(e, false);
  j["file"] = v.file;
  j["seed"] = v.seed;
  j["status"] = v.status;
  j["passed"] = v.status == 0;
  j["verdict"] = v.status == 0 ? "passed" : v.status == 1 ? "failed" : "not judged";
  nlohmann::json steps = nlohmann::json::array();
  for (std::size_t i = 0; i < v.steps.size(); ++i) {
    const Step& s = v.steps[i];
    nlohmann::json step{{"step", i + 1}, {"did", s.did.english}, {"ok", s.ok}};
    step["expected"] = s.expected.english;
    step["got"] = s.got.english;
    if (!s.pieces.empty()) {
      step["pieces"] = nlohmann::json::array();
      for (const auto& p : s.pieces) step["pieces"].push_back(p.english);
    }
    steps.push_back(step);
  }
  j["steps"] = steps;
  j["failed_step"] = v.failed_step;
  j["symptom"] = v.symptom;
  j["mistakes"] = v.mistakes;
  j["diagnosis"] = v.diagnosis.english;
  j["fix"] = v.fix.english;
  j["reason"] = v.reason.english;
  j["proven"] = nlohmann::json::array();
  for (const auto& p : v.proven) j["proven"].push_back(p.english);
  j["replay"] = v.status == 1 ? v.replay : "";
  j["replay_sticky_check"] = v.replay_raw;
  nlohmann::json families = nlohmann::json::array();
  for (const auto& f : v.families) families.push_back({{"family", f.name}, {"runs", f.runs}, {"failed", f.failed}});
  j["cuts"] = {{"planned", v.planned}, {"tried", v.tried}, {"families", families}};
  j["notes"] = nlohmann::json::array();
  for (const auto& n : v.notes) j["notes"].push_back(n.english);
  j["elapsed_ms"] = static_cast<std::int64_t>(v.elapsed_ms);
  j["report"] = text;
  return j;
}

}  // namespace learn
