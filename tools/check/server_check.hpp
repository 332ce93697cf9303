// Server mode: sticky-check is the program's client. The same messages go uncut twice (what
// differs between the two is not evidence), then cut in every way that matters; an answer
// that differs, or none, is a framing bug. The program is started, and started again when it
// exits (one-shot servers), by check::ServerProcess; a connection it never took is no
// verdict.
#pragma once

#include "check/options.hpp"
#include "check/verdict.hpp"

namespace check {

Report check_server(const Options& options);

}  // namespace check
