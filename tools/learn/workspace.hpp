// The student's workspace: one folder per exercise with its starter program(s), and the
// progress file, sticky-progress.json, at its top. It lives outside the project (default
// ./sticky-exercises), so a fresh clone of the project finds it as it was; sticky-learn
// finds it in or above the current directory.
//
//   sticky-exercises/
//     sticky-progress.json          which exercises are done, how many checks, hints seen
//     05-struct-headers/server.py   the starter: the task at its top, a TODO where the fix goes
//     05-struct-headers/builtin_commands.py
//     05-struct-headers/kept/server.1.py   what `reset 05` put aside
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "learn/exercise.hpp"

namespace learn {

inline constexpr const char* kProgressFile = "sticky-progress.json";

struct Progress {
  struct Entry {
    bool done = false;        // the last check passed
    bool ever_passed = false;
    int checks = 0;
    int hints = 0;            // hints shown so far
    int resets = 0;
    std::string last_check;   // ISO 8601, UTC
    std::uint64_t last_seed = 0;
    int last_status = -1;
  };
  std::map<std::string, Entry> exercises;  // by folder name
  std::string language;                    // "en" or "zh": the language init wrote the tasks in
};

// The workspace in `start` or above it ("" when there is none).
fs::path find_workspace(const fs::path& start);
Progress load_progress(const fs::path& workspace);  // std::runtime_error when it cannot be read
void save_progress(const fs::path& workspace, const Progress& progress);  // written whole, then renamed

struct InitResult {
  std::vector<std::string> created, kept;  // paths relative to the workspace
};
// Makes the workspace (or adds what is missing to it); never overwrites a file.
InitResult init_workspace(const fs::path& workspace, const std::vector<Exercise>& exercises);

// The starter of `file` with the task at its top, in the user's language.
std::string starter_text(const Exercise& exercise, const std::string& file);

// Puts the student's versions aside (NN-name/kept/FILE.N.py) and the starters back.
// Returns where each version went.
std::vector<std::string> reset_exercise(const fs::path& workspace, const Exercise& exercise);

// The first exercise not done, or nullptr when all are.
const Exercise* next_exercise(const std::vector<Exercise>& all, const Progress& progress);

// "2025-03-01T12:00:00Z"
std::string now_iso();

}  // namespace learn
