// What sticky-check found, as text for people (80 columns, colour optional) or one JSON
// object. Nothing in a report depends on timing, so the same seed prints the same report.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "check/cuts.hpp"

namespace check {

struct PieceLine {
  std::uint64_t begin = 0, end = 0;
  std::string bytes;  // the piece's first bytes (at most 16)
  std::string holds;  // describe_span()
};

// The smallest failing cut and its story.
struct Finding {
  Cuts cuts;
  std::string found_by;       // the plan that failed first with the cut shrunk here
  std::size_t shrunk_from = 0;
  int replays = 0;
  bool minimal = false;
  bool replayed = false;      // --replay-cuts: given, not found
  std::vector<PieceLine> pieces;
  std::string stream_name;    // "the requests" / "the answers"
  std::vector<std::string> story;  // what the program answered or printed, against the reference
  std::string replay;         // the one command that replays this cut
  std::string replay_then;    // client mode: what to run once the relay listens
};

struct Report {
  std::string mode;           // "server" or "client"
  std::string target;         // "127.0.0.1:9000", "127.0.0.1:9100 -> 127.0.0.1:9005"
  std::string program;        // the command line, quoted; empty when none
  std::string codec;
  std::uint64_t seed = 0;
  int status = 0;             // 0 nothing broke it, 1 a cut did, 3 the reference run failed
  std::vector<std::string> reference;  // how the reference run went
  std::string reference_failure;       // status 3: what went wrong
  std::vector<std::string> hints;      // status 3: what it most likely means
  std::size_t planned = 0, tried = 0;
  bool budget_ran_out = false;
  Tallies tallies;
  Diagnosis diagnosis;
  std::optional<Finding> finding;
  std::vector<std::string> notes;
  double elapsed_ms = 0;      // JSON only: text reports are the same from run to run
};

std::string render_text(const Report& report, bool colour);
nlohmann::json render_json(const Report& report);

// Words wrapped to `width` columns, later lines indented by `indent` spaces.
std::string wrap(const std::string& text, std::size_t width = 80, std::size_t indent = 2);
// A payload for a story line: "\"hello\" (5 bytes)", shortened to about `max` characters.
std::string quote(std::string_view bytes, std::size_t max = 24);
// Arguments as one shell command line, each quoted only when it needs it.
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace check
