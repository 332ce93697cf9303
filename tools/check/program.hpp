// The program under test, started by sticky-check: in its own process group (so a shell
// wrapper and its children stop together), stdin from /dev/null, stdout and stderr into
// unlinked temporary files (a chatty program never blocks on a full pipe, and what it said
// can be shown when it fails).
//
//   check::Program program({"python3", "server.py", "9000"});
//   if (auto status = program.wait_exit(Millis(100))) ...;   // it died
//   int status = program.stop();                            // SIGTERM, then SIGKILL
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sticky/socket.hpp"

namespace check {

using sticky::Millis;

class Program {
 public:
  // std::runtime_error "cannot start NAME: why" when it cannot be started.
  explicit Program(std::vector<std::string> argv);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  int pid() const { return pid_; }
  // Its status once it has exited within `timeout` (0: just look): the exit status, or
  // 128 + the signal that killed it.
  std::optional<int> wait_exit(Millis timeout);
  // SIGTERM to its process group; SIGKILL after `grace`. Returns its status.
  int stop(Millis grace = Millis(500));
  std::string out() const;  // all it wrote so far
  std::string err() const;
  std::size_t output_size() const;  // bytes written to stdout and stderr so far

 private:
  int pid_ = -1;
  int pidfd_ = -1;
  int out_ = -1, err_ = -1;
  std::optional<int> status_;
};

// A command given as one string (--start-upstream 'python3 s.py 9005') in words, the way a
// shell splits them (spaces; '…' and "…" quote; \ escapes), but with no shell: nothing is
// expanded and nothing else is run. std::invalid_argument on an unclosed quote or no words.
std::vector<std::string> command_words(const std::string& command);

// "exit status 1", "killed by SIGKILL".
std::string describe_status(int status);
// The last non-empty line of what a program wrote to stderr ("struct.error: ..."), capped.
std::string last_line(const std::string& text, std::size_t max = 120);

// On SIGINT or SIGTERM, sticky-check kills the programs it started, then exits 130.
void stop_programs_on_interrupt();

}  // namespace check
