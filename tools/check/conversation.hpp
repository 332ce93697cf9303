// One conversation with a server, its request stream sent in the pieces a cut list makes:
// sticky-check's server mode.
//
// Each piece is its own send() (TCP_NODELAY on). Before the next piece goes out, two things
// are awaited: the answers to every message already sent whole (request, answer, request —
// as the reference run talks), and the program reading what it was sent, so its next recv()
// sees the next piece alone (peer_reads.hpp; elsewhere a fixed pace stands in).
//
// The protocol may have requests and answers framed apart, answers that end when the server
// closes (then every message has a connection of its own), and a server that speaks first:
// on each connection its first `greeting` frames come before any request is sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "check/cuts.hpp"
#include "sticky/codec.hpp"
#include "sticky/socket.hpp"

namespace check {

using sticky::Millis;

struct Timing {
  Millis answer_timeout{2000};             // an answer is due and nothing moved for this long
  Millis read_wait{20};                    // at most this long for the program to read a piece
  std::chrono::microseconds pace{3000};    // between pieces when its reads cannot be watched
  Millis connect_timeout{2000};
  Millis greeting_wait{0};                 // > 0: learn the greeting: what comes unasked this long
};

struct Protocol {
  const sticky::Codec* up = nullptr;    // how requests are framed (their layout is the plan's)
  const sticky::Codec* down = nullptr;  // how answers are framed; nullptr: each ends at close
  bool connection_per_message = false;  // always when answers end at close
  std::size_t greeting = 0;             // frames the server sends first, on each connection
};

// Thrown by a Connect that finds no server to connect to: the reason, in English.
struct NotThere : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Where to connect, once the server is there (it may have to be started again first).
using Connect = std::function<sticky::Address()>;

struct Exchange {
  enum class End {
    complete,        // every answer came (and, given a reference, equals it)
    mismatch,        // answer `message` differs from the reference
    timeout,         // no answer to `message` within the answer timeout
    closed,          // the program closed the connection before answering `message`
    reset,           // ... or reset it
    bad_frame,       // the answer bytes cannot be framed (detail says why)
    cannot_connect,  // detail says why
  };
  End end = End::complete;
  std::size_t message = 0;                 // 0-based: the answer that was due, wrong or bad
  std::vector<std::string> answers;        // payloads, in the order they came
  std::vector<std::string> greetings;      // frames that came before any request, all connections
  std::string pending;                     // bytes after the last whole answer
  std::string detail;
  std::vector<double> latency_ms;          // per answer: last request byte sent -> answer complete
  std::size_t pieces_sent = 0;
  std::size_t connections = 0;
  bool watched_reads = false;              // pieces waited for the program's reads (sock_diag)
  bool program_read = false;               // the program took the connection: accepted, read, answered or closed it
  bool as_planned = true;                  // each piece was read before the next went out
  std::size_t greeting_seen = 0;           // greeting frames on the first connection (when learning)

  bool ok() const { return end == End::complete; }
  // Whether this run can say anything about the program's framing: it connected, and the
  // pieces were not merged by our own haste.
  bool evidence() const;
  // Failed with no sign that the program ever had the connection: it may have been reset
  // in the queue of a listening socket that closed (a one-shot server between two lives).
  bool unserved() const;
  // One line: "no answer to message 2 within 300 ms", "answer 1 differs", ...
  std::string summary() const;
};

// Whether answer k (0-based) is the one expected.
using AnswerCheck = std::function<bool(std::size_t k, std::string_view answer)>;

// Sends `stream` (the framed messages laid out as `layout`) cut at `cuts` and reads one
// answer per message. With `expected`, stops at the first answer it refuses.
Exchange converse(const Connect& connect, const Protocol& protocol, const std::string& stream, const Layout& layout,
                  const Cuts& cuts, const AnswerCheck* expected, const Timing& timing);

}  // namespace check
