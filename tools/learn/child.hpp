// A program sticky-learn starts: the student's, a reference solution, a server for a client
// exercise, sticky-check. Never through a shell: argv as given, found on PATH. Each runs in
// a process group of its own (so its children stop with it), stdin from /dev/null, stdout
// and stderr into unlinked temporary files (a chatty program never blocks on a full pipe,
// and what it said can be shown), and is stopped, group and all, when the Child goes.
//
//   learn::Child server({"python3", "server.py", "9005"}, workspace / "05-struct-headers");
//   if (auto status = server.wait(Millis(0))) ...;   // it ended
//   server.stop();                                  // SIGTERM to the group, then SIGKILL
//
// Ctrl-C: learn::interrupted() turns true; every wait here then throws learn::Interrupted,
// and the destructors on the way out stop what was started.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace learn {

using Millis = std::chrono::milliseconds;

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

class Child {
 public:
  // std::runtime_error "cannot start NAME: why" when it cannot be started.
  Child(const std::vector<std::string>& argv, const std::string& cwd, const std::vector<std::string>& env);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  int pid() const { return pid_; }
  // Its status once it has ended within `timeout` (0: just look): the exit status, or
  // 128 + the signal that ended it.
  std::optional<int> wait(Millis timeout);
  // SIGTERM to its process group; SIGKILL to the group after `grace`. Its status.
  int stop(Millis grace = Millis(300));
  std::string out() const;
  std::string err() const;
  std::size_t output_size() const;  // bytes written to stdout and stderr so far

 private:
  int pid_ = -1;
  int out_ = -1, err_ = -1;
  std::optional<int> status_;
  bool group_stopped_ = false;
};

// SIGINT and SIGTERM set the flag below instead of ending sticky-learn at once; a second one
// stops every group started here and exits 130.
void catch_interrupts();
bool interrupted();
// Throws Interrupted when the flag is set; sleeps at most `for_how_long` otherwise.
void pause(Millis for_how_long);

// The last non-empty line of a program's stderr ("SyntaxError: invalid syntax"), capped.
std::string last_line(const std::string& text, std::size_t max = 160);

}  // namespace learn
