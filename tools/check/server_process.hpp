// A server sticky-check keeps there for each run: the program under check in server mode, or
// the upstream in client mode (--start-upstream). It is started, awaited until it listens
// (asked of the kernel, never by connecting: a one-connection server would serve the probe),
// and started again whenever it has exited — a one-shot server exits after each connection.
// Between two connections such a server may have closed its listening socket and not yet
// exited; ready() waits for it to finish rather than calling the refused connection a
// verdict.
//
//   check::ServerProcess server({"python3", "server.py", "9000"}, address);
//   if (auto why = server.ready(deadline)) ...;      // not there: *why says so
//   connect to server.address(); ...; server.after_run(Millis(50));
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "check/program.hpp"
#include "speak/text.hpp"
#include "sticky/socket.hpp"

namespace check {

class ServerProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // `argv` empty: a server already running at `address`, only awaited. `find_port`: the
  // program picks its own port; address() is where it is found listening (its port 0).
  ServerProcess(std::vector<std::string> argv, sticky::Address address, bool find_port = false);
  ~ServerProcess();

  // Until it listens, starting it (again) as needed. nullopt: ready; else why it is not.
  std::optional<speak::Text> ready(Clock::time_point deadline);
  sticky::Address address() const { return address_; }
  bool started_by_us() const { return !argv_.empty(); }

  // After a run: whether it has exited within `wait` (a run that failed gives it time to
  // die, so that its last words belong to this run). Its exit, described, when it has.
  // Once it has exited by itself after a run (a one-shot server), ready() waits for every
  // later life to end after its run, rather than connect to a process on its way out.
  struct Exit {
    int status = 0;
    std::string last_words;  // the last line of its stderr
    speak::Text text;        // "The program died (exit status 1): struct.error: ..."
  };
  std::optional<Exit> after_run(Millis wait);

  int starts() const { return starts_; }
  int clean_exits() const { return clean_exits_; }  // exit status 0: served and left
  int deaths() const { return deaths_; }             // any other ending
  std::string err() const;                            // the running (or last) process's stderr
  void stop();

 private:
  std::optional<speak::Text> start();
  void reap(int status);

  std::vector<std::string> argv_;
  sticky::Address address_;
  bool find_port_;
  std::unique_ptr<Program> program_;
  std::string last_err_;
  int starts_ = 0, clean_exits_ = 0, deaths_ = 0;
  bool listened_ = false;  // seen listening since it was last started
  bool served_ = false;    // a run talked to it since it was last started
  bool stays_ = false;     // it once outlived a run after all: no one-shot server
};

}  // namespace check
