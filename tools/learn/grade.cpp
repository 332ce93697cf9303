// The adapter to sticky-check. What it depends on, all of it:
//
//   sticky-check server --port P [codec options] --messages FILE --seed S --budget B --json
//                --timeout MS -- PROGRAM... P
//   sticky-check client --listen P --upstream HOST:PORT [codec options] --seed S --budget B
//                --json -- PROGRAM... P
//   exit status 0 / 1 / 3 (2: a usage error, our bug); on stdout one JSON object with
//   "status", "diagnosis" [{"id", "said" {"mistake"}}] (the words in the user's language: it
//   runs with ours), "evidence", "planned", "tried", "budget_ran_out",
//   "families" [{"family","runs","failed"}], "smallest" {"cuts","found_by","steps","replay",
//   "replay_then"} when a cut broke it, "reference_failure" and "hints" when status is 3.
#include "learn/grade.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "learn/child.hpp"
#include "learn/net.hpp"
#include "speak/language.hpp"

namespace learn {

namespace fs = std::filesystem;
using speak::N_;
using speak::tr;

namespace {

[[maybe_unused]] const char* const kFamilies[] = {
    N_("all in one write"),          N_("header split"),  N_("header and body apart"),
    N_("body split"),                N_("two messages in one write"), N_("next header glued to the body"),
    N_("1-byte pieces"),             N_("random cuts"),
};

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (c == ' ') {
      if (!word.empty()) out.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

// A file of its own for the messages, removed with it.
struct MessagesFile {
  std::string path;
  explicit MessagesFile(const std::vector<std::string>& messages) {
    char name[] = "/tmp/sticky-learn-messages-XXXXXX";
    int fd = ::mkstemp(name);
    if (fd < 0) throw std::runtime_error("cannot create a temporary file for the messages");
    ::close(fd);
    path = name;
    std::ofstream out(path, std::ios::binary);
    for (const auto& m : messages) out << m << '\n';
  }
  ~MessagesFile() { ::unlink(path.c_str()); }
};

}  // namespace

std::string sibling(const std::string& name) {
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) return name;
  return (self.parent_path() / name).string();
}

speak::Text family_text(const std::string& english) { return speak::Text{english, speak::translate(english.c_str())}; }

speak::Text mistakes_text(const std::vector<speak::Text>& mistakes) {
  speak::Text out = speak::same("");
  for (std::size_t i = 0; i < mistakes.size(); ++i)
    out = speak::join({out, mistakes[i]},
                      i == 0 ? speak::same("") : i + 1 == mistakes.size() ? tr(", and ") : tr(", "));
  return out;
}

CutVerdict check_cuts(const CutCheck& c) {
  CutVerdict v;
  std::uint16_t port = free_port();
  std::vector<std::string> argv{sibling("sticky-check")};
  std::optional<MessagesFile> messages;
  if (c.mode == CutCheck::Mode::server) {
    messages.emplace(c.messages);
    argv.insert(argv.end(), {"server", "--port", std::to_string(port), "--messages", messages->path, "--timeout", "3000"});
  } else {
    argv.insert(argv.end(), {"client", "--listen", std::to_string(port), "--upstream", c.upstream});
  }
  for (auto& w : split_words(c.codec)) argv.push_back(w);
  argv.insert(argv.end(), {"--seed", std::to_string(c.seed), "--budget", fmt::format("{}", c.budget_s), "--json",
                      "--lang", speak::current_language() == speak::Language::chinese ? "zh" : "en", "--"});
  for (auto a : c.program) {
    if (auto at = a.find("{port}"); at != std::string::npos) a.replace(at, 6, std::to_string(port));
    argv.push_back(a);
  }

  Child check(argv, c.cwd, c.env);
  auto status = check.wait(std::chrono::duration_cast<Millis>(std::chrono::duration<double>(c.budget_s + 20)));
  if (!status) {
    check.stop();
    v.status = -1;
    v.error = "sticky-check did not finish in time";
    return v;
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(check.out());
  } catch (const std::exception&) {
    v.status = -1;
    v.error = fmt::format("sticky-check ended with status {} and no report: {}", *status, last_line(check.err()));
    return v;
  }
  v.status = j.value("status", *status);
  for (const auto& m : j.value("diagnosis", nlohmann::json::array())) {
    v.mistakes.push_back(m.value("id", std::string()));
    std::string english = m.value("mistake", std::string());
    std::string local = m.contains("said") ? m["said"].value("mistake", english) : english;
    v.mistake_words.push_back(speak::Text{english, local});
  }
  v.evidence = j.value("evidence", std::string());
  v.planned = j.value("planned", std::size_t{0});
  v.tried = j.value("tried", std::size_t{0});
  v.budget_ran_out = j.value("budget_ran_out", false);
  for (const auto& f : j.value("families", nlohmann::json::array()))
    v.families.push_back({f.value("family", std::string()), f.value("runs", 0), f.value("failed", 0)});
  if (j.contains("smallest")) {
    const auto& s = j.at("smallest");
    v.cuts = s.value("cuts", Cuts{});
    v.found_by = s.value("found_by", std::string());
    v.story = s.value("steps", std::vector<std::string>{});
    v.replay = s.value("replay", std::string());
    if (auto then = s.value("replay_then", std::string()); !then.empty()) v.replay += "\n   then: " + then;
  }
  v.reference_failure = j.value("reference_failure", std::string());
  v.hints = j.value("hints", std::vector<std::string>{});
  // Its uncut run ran out of time (a busy machine, or a program that waits): no verdict on the
  // program's framing, unlike an uncut run that ended wrong.
  for (const char* words : {"never connected", "(killed)", "did not listen", "no answer within"})
    if (v.reference_failure.find(words) != std::string::npos) v.uncut_timed_out = true;
  if (v.status != 0 && v.status != 1 && v.status != 3) {
    v.error = fmt::format("sticky-check ended with status {}: {}", v.status, last_line(check.err()));
    v.status = -1;
  }
  return v;
}

}  // namespace learn
