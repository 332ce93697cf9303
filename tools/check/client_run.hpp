// One run of a client program through sticky::Relay: sticky-check's client mode. The relay
// stands where the program expects its server and forwards to the real one, cutting the
// answers (server -> client) at a cut list, each piece paced on its own and sent only once
// the program has read the last (sticky::Shaping::await_reads), so that it is received alone.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "check/cuts.hpp"
#include "sticky/socket.hpp"

namespace check {

using sticky::Millis;

struct ClientLimits {
  Millis idle{1000};    // connected, nothing moved and no output for this long: it is stuck
  Millis limit{10000};  // the whole run, from start to exit
  std::chrono::microseconds pace{3000};
  Millis await_reads{1000};  // each piece waits for the program to read the last, at most this long
};

struct ClientRun {
  int status = -1;          // exit status, or 128 + signal
  bool stuck = false;       // killed: waiting for bytes that were never coming
  bool timed_out = false;   // killed: ran past the limit
  int connections = 0;      // to the relay
  std::string out, err;
  std::string down;         // the answers as relayed on the first connection
  std::string sent;         // what the program sent its server, every connection's in turn
  std::size_t pieces = 0;   // pieces the relay sent down on the first connection
  std::string upstream_error;  // the relay could not reach the server: why (its first try)
  sticky::Address listen;   // where the relay listened (its port, after port 0)
  double elapsed_ms = 0;

  bool killed() const { return stuck || timed_out; }
  // "exit status 0", "killed: stuck 1000 ms waiting with nothing to read".
  std::string ending() const;
};

// Starts the relay on `listen` (to `upstream`), runs `argv` to its end, stops the relay.
// "{port}" in an argument becomes the relay's port (the OS's pick when `listen` has port 0).
// `cuts`: where to cut the answers; nullopt relays them as they come (the reference).
// Throws sticky::SystemError when the relay cannot listen, std::runtime_error when the
// program cannot start.
ClientRun run_client(const std::vector<std::string>& argv, const sticky::Address& listen,
                     const sticky::Address& upstream, const std::optional<Cuts>& cuts,
                     const ClientLimits& limits);

}  // namespace check
