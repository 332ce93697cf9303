// Grading one exercise: the student's program against the reference solution's answers to
// fresh messages, through every cut sticky-check makes, and — where the lesson is about
// calls — traced. The verdict tells a failure as numbered steps (what was done, what was
// expected, what came instead), names the mistake as the lessons name it, says the fix in
// one line and the lesson to reread, and gives the command that replays exactly that check.
//
//   learn::Verdict v = learn::judge(exercise, workspace / exercise.name, {.seed = 1234});
//   v.status;   // 0 passed, 1 failed, 3 could not be judged (v.reason says why)
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "learn/exercise.hpp"
#include "learn/grade.hpp"
#include "speak/text.hpp"

namespace learn {

struct Step {
  speak::Text did;
  speak::Text expected;   // empty: nothing particular was expected
  speak::Text got;        // empty: what was expected
  bool ok = true;
  std::vector<speak::Text> pieces;  // how the bytes of this step were cut, one line each
};

struct Verdict {
  int status = 0;            // 0 passed, 1 failed, 3 could not be judged
  std::string exercise;      // "05-struct-headers"
  std::string file;          // the program it is about
  std::uint64_t seed = 0;
  std::vector<Step> steps;
  std::size_t failed_step = 0;  // 1-based; 0: none failed
  std::string symptom;       // what went wrong, in one word: closed, no_answer, cut, ...
  std::vector<std::string> mistakes;  // sticky-check's ids for them ("one-recv"), when a cut broke it
  speak::Text diagnosis, fix, reason;  // reason: why it could not be judged
  std::vector<speak::Text> proven;     // what a pass proved
  std::string replay;        // the command that replays this check (and this cut)
  std::string replay_raw;    // sticky-check's own replay command, when a cut broke it
  std::size_t planned = 0, tried = 0;
  std::vector<CutFamily> families;
  std::vector<speak::Text> notes;
  double elapsed_ms = 0;
};

struct JudgeOptions {
  std::uint64_t seed = 0;
  std::optional<Cuts> replay_cuts;   // replay this cut only, of the part that is cut ...
  std::string replay_file;           // ... or of this file's part; other parts are not cut
  std::string command = "sticky-learn";  // how the student calls us, for the replay line
  double budget_s = 10;              // for sticky-check
  std::function<void(const speak::Text&)> progress;  // a line of progress (a terminal's)
};

Verdict judge(const Exercise& exercise, const fs::path& work, const JudgeOptions& options);

// "\"kiwi\\n\" (5 bytes)": bytes quoted, escaped, shortened.
speak::Text quote(std::string_view bytes, std::size_t max = 40);

}  // namespace learn
