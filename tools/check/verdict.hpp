// What sticky-check found, as data: the verdict (passed, broken, or cannot tell and why),
// what a pass proves, the diagnosis with its fix and lesson, the smallest failing cut told
// step by step, and the command that replays it. report.hpp prints it for people (text)
// and programs (JSON); sticky-learn reads it as it is.
//
// Every sentence is a speak::Text: .english for JSON and the tests, .local for the user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "check/cuts.hpp"
#include "check/diagnosis.hpp"
#include "speak/text.hpp"

namespace check {

enum class Verdict {
  passed,       // no cut changed what it does (and, given expected answers, they are right)
  broken,       // a cut changed what it does, or its answers are not the expected ones
  cannot_tell,  // the reference run failed, the program was not there, or the evidence is soft
};
// "passed", "broken", "cannot tell"
std::string_view verdict_name(Verdict verdict);
// The exit status of sticky-check: 0 passed, 1 broken, 3 cannot tell.
int exit_status(Verdict verdict);

struct PieceLine {
  std::uint64_t begin = 0, end = 0;
  std::string bytes;  // the piece's first bytes (at most 16)
  speak::Text holds;  // describe_span_text()
};

// The smallest failing cut and its story.
struct Finding {
  Cuts cuts;
  std::string found_by;       // the plan that failed first with the cut shrunk here (English)
  speak::Text found_by_text;
  std::size_t shrunk_from = 0;
  int replays = 0;
  bool minimal = false;
  bool replayed = false;      // --replay-cuts: given, not found
  bool uncut = false;         // no cut of ours: the program's answers are wrong as they are (--expect)
  std::vector<PieceLine> pieces;
  bool answers = false;       // the pieces are of the answers (client mode), else of the requests
  bool apart = false;         // each message went on a connection of its own
  std::vector<speak::Text> steps;  // what was sent or printed against the reference, in order
  std::string replay;         // the one command that replays this cut
  std::string replay_then;    // client mode: what to run once the relay listens
};

struct Report {
  std::string mode;           // "server" or "client"
  std::string target;         // "127.0.0.1:9000", "127.0.0.1:9100 -> 127.0.0.1:9005"
  std::string program;        // the command line, quoted; empty when none
  speak::Text requests, answers;  // how each direction is framed
  bool same_framing = true;   // requests and answers framed alike: one line says both
  std::uint64_t seed = 0;
  Verdict verdict = Verdict::passed;
  std::vector<speak::Text> reference;  // how the uncut runs went
  bool reference_failed = false;       // cannot tell because an uncut run failed (nothing was cut)
  speak::Text cannot_tell;             // cannot tell: why (the program's own error first)
  std::vector<speak::Text> hints;      // cannot tell: what it most likely means
  std::size_t planned = 0, tried = 0, inconclusive = 0;
  bool budget_ran_out = false;
  Tallies tallies;
  Probes probes;              // the diagnostic probes, when it broke
  Diagnosis diagnosis;
  std::optional<Finding> finding;
  speak::Text proves;         // passed: exactly what the pass proves
  bool correct = false;       // passed with expected answers (--expect): the answers are right too
  std::vector<speak::Text> notes;
  double elapsed_ms = 0;      // JSON only: text reports are the same from run to run

  int status() const { return exit_status(verdict); }
};

}  // namespace check
