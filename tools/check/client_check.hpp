// Client mode: sticky-check stands where the program expects its server (a relay to the real
// one, `--upstream`) and cuts the answers on their way down. The program runs uncut twice
// (what differs between the two is not evidence), then once per cut; whatever it does
// differently, as far as compared (compare.hpp), is a framing bug. An upstream that cannot
// be reached is said, never blamed on the client.
#pragma once

#include "check/options.hpp"
#include "check/verdict.hpp"

namespace check {

Report check_client(const Options& options);

}  // namespace check
