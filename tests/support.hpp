// What the tests share: hex helpers, and running one of our binaries as a user would.
#pragma once

#include <filesystem>

#include <string>
#include <string_view>
#include <vector>

#include "sticky/bytes.hpp"

namespace test {

inline std::string hex(std::string_view bytes) { return sticky::to_hex(bytes); }
inline std::string unhex(std::string_view text) { return sticky::from_hex(text); }

// The project's folder (where the Makefile is): the current directory under `make test`,
// else found above the test binary.
std::filesystem::path source_root();
// Every demo and every tool, found as the Makefile finds them (demos/NN-*.cpp, tools/*.cpp),
// so a test of "every demo" covers a new one with no edit.
std::vector<std::string> demos();
std::vector<std::string> tools();

// Path of a binary built next to the test binary ("frametool" -> build/bin/frametool).
std::string binary(std::string_view name);

struct Run {
  int status = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};
// Runs argv with `input` on stdin (closed after), waits at most `seconds`, then kills it.
Run run(const std::vector<std::string>& argv, std::string_view input = {}, double seconds = 20,
        const std::vector<std::string>& extra_env = {});

// Starts a binary in the background; its stdout is readable line by line.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  std::string read_line(double seconds = 10);  // "" on EOF or timeout
  void write(std::string_view data);
  void close_stdin();
  void signal(int sig);
  int wait(double seconds = 10);  // exit status, or 128 + signal; kills after `seconds`
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffered_;
  int status_ = -2;
};

}  // namespace test

#include <nlohmann/json.hpp>

namespace test {
// Runs a demo with --json (plus `args`) once per test binary run and returns the facts of
// its result event; every line must parse and the last must be the result.
const nlohmann::json& demo_facts(const std::string& demo, const std::vector<std::string>& args = {});
// The whole --json trace of that same run (one run per test binary run, shared with demo_facts).
const std::string& demo_json(const std::string& demo, const std::vector<std::string>& args = {});
// The port of a "listening on HOST:PORT" line.
std::string port_of(const std::string& listening_line);
}  // namespace test
