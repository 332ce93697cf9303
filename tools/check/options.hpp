// Everything a check needs, as sticky-check's command line gives it (and as sticky-learn
// fills it in without one). Only `mode`, the program, and where it listens or connects are
// required; the rest has the defaults the command line documents.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "check/framing.hpp"
#include "speak/text.hpp"

namespace check {

// A mistake in the options, found when the check starts: one line for the user (English;
// speak::localize says it in theirs). sticky-check exits 2 with it.
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct Options {
  std::string mode = "server";     // "server": the program is a server; "client": a client
  std::vector<std::string> command;  // the program; "{port}" in an argument becomes the port
  Framings framing;                // requests (up) and answers (down)
  std::optional<std::uint64_t> seed;  // random cuts; default: the clock's
  double budget = 20;              // seconds for the whole check
  std::optional<std::string> replay_cuts;  // run this one cut only ("2,6" or "none")

  // server mode
  std::optional<int> port;         // the program listens on 127.0.0.1:PORT; 0: wherever it does
  std::string connect;             // or a server already running: HOST:PORT
  std::vector<std::string> messages;  // default: builtin_messages()
  std::string messages_file;
  int timeout_ms = 2000;           // for an answer in the uncut runs
  bool connection_per_message = false;  // each message on a connection of its own
  std::optional<std::size_t> greeting;  // frames the server sends first; default: learned
  std::string expect_file;         // expected answers, one a line
  std::string expect_peer;         // a reference server: HOST:PORT; its answers are expected

  // client mode
  std::optional<int> listen;       // where the program expects its server; 0: the OS picks
  std::string upstream;            // the real server: HOST:PORT
  std::string start_upstream;      // its command (sh -c), started again whenever it exits
  int pace_us = 3000;              // between answer pieces
  std::string compare = "exit,stdout";  // what a run is judged on: exit, stdout, stderr, sent
  std::vector<std::string> ignore;      // lines of output left out of the comparison
  // client mode: --expect is the expected output

  // The sticky-check command line this check came from (argv, the program's part included),
  // for replay commands; empty: composed from these options.
  std::vector<std::string> invocation;
  // Where relay and sticky-check are, for replay commands (default: next to this program).
  std::string tools_dir;
  // Progress, one line at a time (sticky-check: a line on stderr rewritten in place).
  std::function<void(const speak::Text&)> progress;
};

}  // namespace check
