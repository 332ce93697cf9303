// One run of the student's client: our relay stands where it expects its server (the port
// it is given) and forwards to the exercise's server, recording what went up and what came
// down, and cutting the answers when asked. The program runs to its end, or until it is
// stuck (connected, nothing moved and nothing printed for a while) or past the time limit.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "learn/child.hpp"
#include "learn/conversation.hpp"
#include "sticky/socket.hpp"

namespace learn {

struct ClientLimits {
  Millis connect{5000};  // from start to its first connection
  Millis idle{2000};     // connected, and nothing moved or was printed for this long
  Millis limit{15000};   // the whole run
};

struct ClientResult {
  int status = -1;          // exit status, or 128 + signal
  bool stuck = false;       // killed: waiting for something that was not coming
  bool timed_out = false;   // killed: ran past the limit
  int connections = 0;
  std::string out, err;
  std::string up, down;     // the bytes relayed on the first connection, each way
  std::size_t down_pieces = 0;
  double ms = 0;

  bool killed() const { return stuck || timed_out; }
};

// Runs `argv` (where "{port}" becomes the relay's port) in `cwd` with `env`, through a relay
// to `upstream`; `down_cuts` cuts the answers after those offsets, each piece paced alone.
ClientResult run_client(std::vector<std::string> argv, const std::string& cwd, const std::vector<std::string>& env,
                        const sticky::Address& upstream, const std::optional<Cuts>& down_cuts,
                        const ClientLimits& limits);

}  // namespace learn
