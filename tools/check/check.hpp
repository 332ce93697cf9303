// sticky-check's engine as one call: the options in, the verdict out. No command line, no
// printing (progress goes to options.progress); what it found is a Report (verdict.hpp),
// printed by report.hpp or read as data.
//
//   check::Options o;
//   o.mode = "server";
//   o.port = 9000;
//   o.command = {"python3", "server.py", "9000"};
//   check::Report r = check::run(o);          // throws check::UsageError on bad options
//   if (r.verdict == check::Verdict::broken)
//     for (const auto& m : r.diagnosis.mistakes) show(m.words, m.fix, m.lesson);
//   r.finding->steps, r.finding->replay;      // the story of the smallest failing cut
//
// Server mode (server_check.hpp) talks to the program as its client; client mode
// (client_check.hpp) stands where the program expects its server and relays to the real one.
#pragma once

#include "check/options.hpp"
#include "check/verdict.hpp"

namespace check {

// Runs the check the options describe. A program that cannot be started or a server that is
// not there is a verdict (cannot tell), not an exception; UsageError is for bad options.
Report run(const Options& options);

}  // namespace check
