// The one command that replays a cut: sticky-check's own command line with --replay-cuts
// (server mode), or a relay that cuts the answers and the client to run against it.
#pragma once

#include <string>
#include <vector>

#include "check/cuts.hpp"
#include "check/options.hpp"

namespace check {

// The sticky-check command that replays `cuts`: the user's own (options.invocation), less
// what does not matter for one replay (--seed, --budget, --json), plus --replay-cuts.
std::string replay_check(const Options& options, const Cuts& cuts);
// "build/bin/relay" when relay is next to this program and below the current folder, else
// its full path; just `name` when neither can be found.
std::string tool_path(const Options& options, const std::string& name);

}  // namespace check
