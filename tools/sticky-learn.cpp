// sticky-learn — exercises that grade the student's own program, from the mistake to a fix
// they know is right. Each exercise is the classic program of a lesson with its mistake and
// a TODO; `sticky-learn check 05` runs it against the reference solution's answers to fresh
// messages, through every cut sticky-check makes, and where the lesson is about calls,
// traced. A failure is told as numbered steps, with the mistake named, the fix, the lesson
// to reread and the command that replays it.
//
//   sticky-learn                  the exercises: done, next, to do; the progress
//   sticky-learn init [DIR]       the workspace (default ./sticky-exercises); never overwrites
//   sticky-learn check [N]        grade exercise N (default: the next one not done)
//   sticky-learn watch [N]        grade again each time the file is saved
//   sticky-learn hint N           the next hint, one at a time
//   sticky-learn reset N          the starter back; the student's version kept aside
//   sticky-learn list --json      every exercise: number, title, lesson, files, status
//
// Exit status of check: 0 passed, 1 failed, 2 usage, 3 the program could not be judged.
// The exercises are data: exercises/NN-name/ (tools/learn/exercise.hpp).
#include <fmt/color.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "learn/child.hpp"
#include "learn/exercise.hpp"
#include "learn/judge.hpp"
#include "learn/report.hpp"
#include "learn/workspace.hpp"
#include "speak/command_line.hpp"
#include "speak/language.hpp"
#include "speak/terminal.hpp"
#include "speak/text.hpp"

namespace {

namespace fs = std::filesystem;
using learn::Exercise;
using speak::Text;
using speak::tr;

const char* const kProgram = "sticky-learn";

struct Options {
  std::string verb;        // "", init, check, watch, hint, reset, list
  std::string exercise;    // N
  std::string dir;         // --dir, or init's DIR
  std::string lang;
  bool json = false;
  bool no_color = false;
  std::optional<std::uint64_t> seed;
  std::string cuts;        // --cuts [FILE:]2,6
  double budget = 10;
  double watch_minutes = 60;
};

// A usage error found after parsing: one line, the hint, exit 2.
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

bool colour_on(const Options& o, int fd) { return !o.json && !o.no_color && !std::getenv("NO_COLOR") && ::isatty(fd); }

// One line of progress on stderr, rewritten in place, only on a terminal.
void show_progress(const Text& text) {
  if (std::getenv("STICKY_LEARN_TIMING")) {  // for benches: when each stage began
    static auto start = std::chrono::steady_clock::now();
    fmt::print(stderr, "[{:6.0f} ms] {}\n",
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(), text.english);
    return;
  }
  if (!::isatty(2)) return;
  std::string line = std::string(speak::fit_columns(tr("sticky-learn: {}", text).local, 79));
  fmt::print(stderr, "\r\033[K{}", line);
  std::fflush(stderr);
}
void clear_progress() {
  if (::isatty(2)) fmt::print(stderr, "\r\033[K");
}

std::vector<Exercise> exercises() {
  fs::path dir = learn::exercises_dir();
  if (dir.empty()) throw std::runtime_error(tr("cannot find the exercises (exercises/ beside the build, or $STICKY_EXERCISES)").english);
  auto all = learn::load_exercises(dir);
  if (all.empty()) throw std::runtime_error(tr("no exercises in {}", dir.string()).english);
  return all;
}

// The workspace: --dir, else the one in or above the current directory ("" if none).
fs::path workspace(const Options& o) {
  if (!o.dir.empty()) {
    if (!fs::exists(fs::path(o.dir) / learn::kProgressFile))
      throw UsageError(tr("no workspace in {}: make one with: sticky-learn init {}", o.dir, o.dir).english);
    return fs::absolute(o.dir);
  }
  return learn::find_workspace(fs::current_path());
}

fs::path required_workspace(const Options& o) {
  fs::path ws = workspace(o);
  if (ws.empty()) throw UsageError(tr("no workspace here or above: make one with: sticky-learn init").english);
  return ws;
}

const Exercise& exercise_named(const std::vector<Exercise>& all, const std::string& name) {
  if (const Exercise* e = learn::find_exercise(all, name)) return *e;
  throw UsageError(tr("no exercise {} (there are {}: 01 to {})", name, all.size(), all.back().number_text()).english);
}

// How the student would type us, for replay lines: with --dir when they gave it.
std::string command_prefix(const Options& o) {
  return o.dir.empty() ? std::string(kProgram) : fmt::format("{} --dir {}", kProgram, o.dir);
}

std::string bar(std::size_t done, std::size_t total) {
  std::string out;
  for (std::size_t i = 0; i < total; ++i) out += i < done ? "▓" : "░";
  return fmt::format("{} {}/{}", out, done, total);
}

std::string shown_path(const fs::path& path) {
  std::error_code error;
  auto relative = fs::relative(path, fs::current_path(), error);
  if (!error && !relative.empty() && relative != "." && relative.native().rfind("..", 0) != 0) return relative.string();
  return path.lexically_normal().string();
}

// ------------------------------------------------------------------------------ list

int list(const Options& o) {
  auto all = exercises();
  fs::path ws = workspace(o);
  learn::Progress progress;
  if (!ws.empty()) progress = learn::load_progress(ws);
  const Exercise* next = ws.empty() ? &all.front() : learn::next_exercise(all, progress);
  std::size_t done = 0;
  for (const auto& e : all)
    if (auto it = progress.exercises.find(e.name); it != progress.exercises.end() && it->second.done) ++done;
  bool chinese = speak::current_language() == speak::Language::chinese;

  if (o.json) {
    nlohmann::json j;
    j["workspace"] = ws.empty() ? nlohmann::json() : nlohmann::json(ws.string());
    j["done"] = done;
    j["total"] = all.size();
    j["next"] = next ? nlohmann::json(next->name) : nlohmann::json();
    j["exercises"] = nlohmann::json::array();
    for (const auto& e : all) {
      auto it = progress.exercises.find(e.name);
      bool is_done = it != progress.exercises.end() && it->second.done;
      nlohmann::json x{{"number", e.number},
                       {"name", e.name},
                       {"title", e.title.en},
                       {"title_zh", e.title.zh},
                       {"lesson", learn::lesson_path(e, false)},
                       {"files", e.files()},
                       {"status", is_done ? "done" : &e == next ? "next" : "todo"},
                       {"checks", it == progress.exercises.end() ? 0 : it->second.checks},
                       {"hints_shown", it == progress.exercises.end() ? 0 : it->second.hints},
                       {"hints", e.hints.size()}};
      if (!ws.empty()) x["path"] = (ws / e.name).string();
      j["exercises"].push_back(x);
    }
    fmt::print("{}\n", j.dump());
    return 0;
  }

  bool colour = colour_on(o, 1);
  fmt::text_style good = fmt::fg(fmt::terminal_color::green), strong = fmt::emphasis::bold;
  fmt::print("{}\n", ws.empty() ? tr("sticky-learn: {} exercises, one for each lesson where you write Python.", all.size()).local
                                : tr("sticky-learn: {} exercises in {}", all.size(), shown_path(ws)).local);
  fmt::print("\n");
  for (const auto& e : all) {
    auto it = progress.exercises.find(e.name);
    bool is_done = it != progress.exercises.end() && it->second.done;
    std::string mark = is_done ? "✓" : &e == next ? "▶" : " ";
    Text status = is_done ? tr("done") : &e == next ? tr("next") : tr("to do");
    std::string row = fmt::format("  {} {}  {}  {}", mark, e.number_text(), speak::pad(e.title.text().local, 44),
                                  speak::pad(status.local, 8));
    if (it != progress.exercises.end() && !is_done && it->second.checks > 0)
      row += (it->second.checks == 1 ? tr("({} check)", it->second.checks) : tr("({} checks)", it->second.checks)).local;
    if (colour && is_done) row = fmt::format(good, "{}", row);
    else if (colour && &e == next) row = fmt::format(strong, "{}", row);
    fmt::print("{}\n", row);
  }
  fmt::print("\n");
  if (ws.empty()) {
    fmt::print("{}\n", tr("Start with: sticky-learn init     (it makes ./sticky-exercises, one folder per exercise)").local);
    return 0;
  }
  fmt::print("{}\n", bar(done, all.size()));
  if (next) {
    std::vector<Text> files;
    for (const auto& f : next->files()) files.push_back(speak::same(shown_path(ws / next->name / f)));
    fmt::print("{}\n", tr("Next: exercise {}, {}: edit {}, then: sticky-learn check {}", next->number_text(),
                          next->title.text(), speak::join(files, tr(" and ")), next->number_text())
                           .local);
    fmt::print("{}\n", tr("Read first: {}", learn::lesson_path(*next, chinese)).local);
  } else {
    fmt::print("{}\n", tr("All {} exercises are done. 全部完成!", all.size()).local);
  }
  return 0;
}

// ------------------------------------------------------------------------------ init

int init(const Options& o) {
  auto all = exercises();
  fs::path ws = o.dir.empty() ? fs::path("sticky-exercises") : fs::path(o.dir);
  if (fs::exists(ws) && !fs::is_directory(ws)) throw UsageError(tr("{} exists and is not a folder", ws.string()).english);
  auto r = learn::init_workspace(ws, all);
  if (r.created.empty()) {
    fmt::print("{}\n", tr("{} is already a workspace; nothing was changed (init never overwrites).", shown_path(ws)).local);
  } else {
    fmt::print("{}\n", tr("Made {} files in {} ({} kept as they were: init never overwrites).", r.created.size(),
                          shown_path(ws), r.kept.size())
                           .local);
    for (const auto& e : all) {
      std::vector<Text> files;
      for (const auto& f : e.files()) files.push_back(speak::same(f));
      fmt::print("  {} {}\n", speak::pad(e.name + "/", 27), speak::join(files, tr(", ")).local);
    }
  }
  fmt::print("\n{}\n", tr("Next: cd {}, open {}/{}, read the task at its top, then: sticky-learn check {}",
                          shown_path(ws), all.front().name, all.front().files().front(), all.front().number_text())
                           .local);
  return 0;
}

// ------------------------------------------------------------------------------ check

std::optional<learn::Cuts> parse_cut_list(const std::string& text, std::string& file) {
  std::string list = text;
  if (auto colon = text.find(':'); colon != std::string::npos) {
    file = text.substr(0, colon);
    list = text.substr(colon + 1);
  }
  learn::Cuts cuts;
  if (list == "none") return cuts;
  std::size_t at = 0;
  while (at <= list.size()) {
    std::size_t comma = list.find(',', at);
    std::string item = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 15)
      throw UsageError(tr("--cuts: '{}' is not a byte offset (give OFFSET,OFFSET... or none)", item).english);
    cuts.push_back(std::stoull(item));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

struct Checked {
  int status = 0;
  std::string text;
};

Checked check_one(const Options& o, const fs::path& ws, const Exercise& e, bool quiet_progress = false) {
  learn::JudgeOptions options;
  options.seed = o.seed ? *o.seed
                        : static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000000u;
  options.command = command_prefix(o);
  options.budget_s = o.budget;
  if (!o.cuts.empty()) options.replay_cuts = parse_cut_list(o.cuts, options.replay_file);
  if (!quiet_progress) options.progress = show_progress;
  learn::Verdict v;
  try {
    v = learn::judge(e, ws / e.name, options);
  } catch (...) {
    clear_progress();
    throw;
  }
  clear_progress();
  std::string text = learn::render_text(v, e, colour_on(o, 1), std::min<std::size_t>(speak::output_width(1), 100));

  learn::Progress progress = learn::load_progress(ws);
  auto& entry = progress.exercises[e.name];
  if (o.cuts.empty()) {  // a replay of one cut proves nothing about the whole exercise
    entry.done = v.status == 0;
    entry.ever_passed = entry.ever_passed || entry.done;
  }
  entry.checks += 1;
  entry.last_status = v.status;
  entry.last_seed = v.seed;
  entry.last_check = learn::now_iso();
  learn::save_progress(ws, progress);

  if (o.json) {
    fmt::print("{}\n", learn::render_json(v, e, text).dump());
    return {v.status, text};
  }
  fmt::print("{}", text);
  if (v.status == 0 && o.cuts.empty()) {
    auto all = exercises();
    std::size_t done = 0;
    for (const auto& x : all)
      if (auto it = progress.exercises.find(x.name); it != progress.exercises.end() && it->second.done) ++done;
    fmt::print("\n{}\n", bar(done, all.size()));
    if (const Exercise* next = learn::next_exercise(all, progress))
      fmt::print("{}\n", tr("Next: sticky-learn check {}   ({})", next->number_text(), next->title.text()).local);
    else
      fmt::print("{}\n", tr("All {} exercises are done. 全部完成!", all.size()).local);
  }
  return {v.status, text};
}

int check(const Options& o) {
  fs::path ws = required_workspace(o);
  auto all = exercises();
  const Exercise* e = nullptr;
  if (o.exercise.empty()) {
    e = learn::next_exercise(all, learn::load_progress(ws));
    if (!e) {
      if (!o.json) fmt::print("{}\n", tr("All {} exercises are done. Give a number to check one again.", all.size()).local);
      return 0;
    }
  } else {
    e = &exercise_named(all, o.exercise);
  }
  return check_one(o, ws, *e).status;
}

// ------------------------------------------------------------------------------ watch

// The files' sizes and change times: what changes when the student saves.
std::vector<std::pair<std::int64_t, std::int64_t>> fingerprint(const fs::path& ws, const Exercise& e) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& f : e.files()) {
    struct stat st {};
    if (::stat((ws / e.name / f).c_str(), &st) != 0) out.emplace_back(-1, -1);
    else out.emplace_back(st.st_size, static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
  }
  return out;
}

int watch(const Options& o) {
  fs::path ws = required_workspace(o);
  auto all = exercises();
  const Exercise* e = o.exercise.empty() ? learn::next_exercise(all, learn::load_progress(ws)) : &exercise_named(all, o.exercise);
  if (!e) {
    fmt::print("{}\n", tr("All {} exercises are done.", all.size()).local);
    return 0;
  }
  auto until = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(o.watch_minutes * 60));
  bool terminal = ::isatty(1);
  int status = 0;
  for (;;) {
    if (terminal) fmt::print("\033[2J\033[H");
    auto before = fingerprint(ws, *e);
    status = check_one(o, ws, *e).status;
    std::fflush(stdout);
    if (status == 0) {
      if (!o.exercise.empty()) return 0;
      e = learn::next_exercise(all, learn::load_progress(ws));
      if (!e) return 0;
      fmt::print("\n{}\n", tr("On to exercise {}.", e->number_text()).local);
      std::fflush(stdout);
      learn::pause(learn::Millis(1500));
      continue;
    }
    std::vector<Text> files;
    for (const auto& f : e->files()) files.push_back(speak::same(shown_path(ws / e->name / f)));
    fmt::print("\n{}\n", tr("Watching {}: save it to check again (Ctrl-C stops).", speak::join(files, tr(" and "))).local);
    std::fflush(stdout);
    // Until it changes (and has stopped changing: an editor may write in two steps).
    for (;;) {
      if (std::chrono::steady_clock::now() > until) {
        fmt::print("{}\n", tr("Stopped watching after {} minutes.", o.watch_minutes).local);
        return status;
      }
      learn::pause(learn::Millis(200));
      auto now = fingerprint(ws, *e);
      if (now == before) continue;
      learn::pause(learn::Millis(150));
      if (fingerprint(ws, *e) == now) break;
    }
  }
}

// ------------------------------------------------------------------------------ hint, reset

int hint(const Options& o) {
  fs::path ws = required_workspace(o);
  auto all = exercises();
  const Exercise& e = exercise_named(all, o.exercise);
  bool chinese = speak::current_language() == speak::Language::chinese;
  if (e.hints.empty()) {
    fmt::print("{}\n", tr("Exercise {} has no hints: reread {}.", e.number_text(), learn::lesson_path(e, chinese)).local);
    return 0;
  }
  learn::Progress progress = learn::load_progress(ws);
  auto& entry = progress.exercises[e.name];
  bool more = entry.hints < static_cast<int>(e.hints.size());
  if (more) ++entry.hints;
  learn::save_progress(ws, progress);
  std::size_t k = static_cast<std::size_t>(entry.hints);
  fmt::print("{}\n", speak::wrap(tr("Hint {} of {} for exercise {}: {}", k, e.hints.size(), e.number_text(), e.hints[k - 1].text()).local,
                                 80, 2));
  if (!more)
    fmt::print("\n{}\n", speak::wrap(tr("That was the last hint. Reread {}; `sticky-learn check {}` says what goes wrong.",
                                        learn::lesson_path(e, chinese), e.number_text())
                                         .local,
                                     80, 0));
  else if (k < e.hints.size())
    fmt::print("{}\n", tr("(The next one: sticky-learn hint {})", e.number_text()).local);
  return 0;
}

int reset(const Options& o) {
  fs::path ws = required_workspace(o);
  auto all = exercises();
  const Exercise& e = exercise_named(all, o.exercise);
  auto kept = learn::reset_exercise(ws, e);
  learn::Progress progress = learn::load_progress(ws);
  auto& entry = progress.exercises[e.name];
  entry.done = false;
  entry.resets += 1;
  learn::save_progress(ws, progress);
  for (const auto& k : kept) fmt::print("{}\n", tr("Your version is kept as {}.", shown_path(ws / k)).local);
  std::vector<Text> files;
  for (const auto& f : e.files()) files.push_back(speak::same(shown_path(ws / e.name / f)));
  fmt::print("{}\n", tr("{}: the starter again.", speak::join(files, tr(" and "))).local);
  return 0;
}

const char* const kExamples = R"(
Examples:
  sticky-learn init                 make ./sticky-exercises: a starter per exercise
  sticky-learn                      the exercises, done / next / to do, and the progress
  sticky-learn check 05             grade exercise 05 (default: the next one not done)
  sticky-learn check 05 --json      one JSON object, for a course's autograder
  sticky-learn watch                grade again each time you save
  sticky-learn hint 05              the next hint
  sticky-learn --lang zh            in Chinese (also LANG=zh_CN.UTF-8)

Exit status of check: 0 passed, 1 failed, 2 usage error, 3 the program could not
be judged (it does not start, a syntax or import error, no answer in time).
)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Exercises for the lessons: write the Python, and sticky-learn says whether it\n"
               "is right — through every cut of the stream — and if not, why.",
               kProgram};
  app.footer(kExamples);
  Options o;
  auto common = [&](CLI::App& a) {
    a.add_option("--dir", o.dir, "the workspace (default: the one in or above the current folder)");
    a.add_option("--lang", o.lang, "en or zh (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)");
    a.add_flag("--no-color", o.no_color, "no colour (also NO_COLOR, or stdout not a terminal)");
  };
  common(app);
  auto* init_cmd = app.add_subcommand("init", "make the workspace (default ./sticky-exercises); never overwrites");
  init_cmd->add_option("DIR", o.dir, "where (default ./sticky-exercises)");
  common(*init_cmd);
  auto* check_cmd = app.add_subcommand("check", "grade exercise N (default: the next one not done)");
  check_cmd->add_option("N", o.exercise, "the exercise: 5, 05 or 05-struct-headers");
  check_cmd->add_flag("--json", o.json, "one JSON object: exercise, passed, steps, diagnosis, fix, lesson, replay");
  check_cmd->add_option("--seed", o.seed, "the fresh messages' seed (default: the clock; printed)");
  check_cmd->add_option("--cuts", o.cuts, "replay one cut: [FILE:]OFFSET,OFFSET... or none (a report's Replay line)");
  check_cmd->add_option("--budget", o.budget, "seconds sticky-check may cut for")->capture_default_str()->check(CLI::Range(1.0, 600.0));
  common(*check_cmd);
  auto* watch_cmd = app.add_subcommand("watch", "grade again each time the file is saved");
  watch_cmd->add_option("N", o.exercise, "the exercise (default: the next one not done, then the next ...)");
  watch_cmd->add_option("--for", o.watch_minutes, "minutes to watch at most")->capture_default_str()->check(CLI::Range(0.01, 1440.0));
  watch_cmd->add_option("--seed", o.seed, "the fresh messages' seed (default: the clock)");
  common(*watch_cmd);
  auto* hint_cmd = app.add_subcommand("hint", "the next hint for exercise N, one at a time");
  hint_cmd->add_option("N", o.exercise, "the exercise")->required();
  common(*hint_cmd);
  auto* reset_cmd = app.add_subcommand("reset", "the starter back (your version kept aside)");
  reset_cmd->add_option("N", o.exercise, "the exercise")->required();
  common(*reset_cmd);
  auto* list_cmd = app.add_subcommand("list", "every exercise: number, title, lesson, files, status");
  list_cmd->add_flag("--json", o.json, "as one JSON object");
  common(*list_cmd);
  app.require_subcommand(0, 1);

  if (auto status = speak::cli::parse(app, argc, argv)) return *status;
  for (auto* sub : {init_cmd, check_cmd, watch_cmd, hint_cmd, reset_cmd, list_cmd})
    if (sub->parsed()) o.verb = sub->get_name();
  // No --lang and nothing in the environment: the language the workspace was made in.
  if (o.lang.empty() && o.verb != "init") {
    bool told = false;
    for (const char* name : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"})
      if (const char* v = std::getenv(name); v && *v && std::string_view(v) != "C" && std::string_view(v) != "POSIX" &&
                                             !std::string_view(v).starts_with("C."))
        told = true;
    if (!told) {
      try {
        fs::path ws = o.dir.empty() ? learn::find_workspace(fs::current_path()) : fs::path(o.dir);
        if (!ws.empty() && fs::exists(ws / learn::kProgressFile)) o.lang = learn::load_progress(ws).language;
      } catch (const std::exception&) {
      }
    }
  }
  if (!speak::use_language(kProgram, o.lang)) return 2;
  learn::catch_interrupts();
  try {
    if (o.verb == "init") return init(o);
    if (o.verb == "check") return check(o);
    if (o.verb == "watch") return watch(o);
    if (o.verb == "hint") return hint(o);
    if (o.verb == "reset") return reset(o);
    return list(o);
  } catch (const learn::Interrupted&) {
    clear_progress();
    fmt::print(stderr, "\n{}\n", tr("sticky-learn: stopped; every program it started is stopped too.").local);
    return 130;
  } catch (const UsageError& e) {
    speak::print_error(kProgram, e.what(), true);
    return 2;
  } catch (const std::exception& e) {
    speak::print_error(kProgram, e.what());
    return o.verb == "check" ? 3 : 1;
  }
}
