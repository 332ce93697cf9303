// One conversation with a framed server, its request stream sent in the pieces a cut list
// makes: sticky-check's server mode.
//
// Each piece is its own send() (TCP_NODELAY on). Before the next piece goes out, two things
// are awaited: the answers to every message already sent whole (request, answer, request —
// as the reference run talks), and the program reading what it was sent, so its next recv()
// sees the next piece alone. On loopback the kernel tells how many bytes wait unread in the
// server's socket (sock_diag, the `Recv-Q` of `ss`); elsewhere a fixed pace stands in.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
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
};

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
  std::string pending;                     // bytes after the last whole answer
  std::string detail;
  std::vector<double> latency_ms;          // per answer: last request byte sent -> answer complete
  std::size_t pieces_sent = 0;
  bool watched_reads = false;              // pieces waited for the program's reads (sock_diag)

  bool ok() const { return end == End::complete; }
  // One line: "no answer to message 2 within 300 ms", "answer 1 differs", ...
  std::string summary() const;
};

// Sends `stream` (the framed messages laid out as `layout`) cut at `cuts` and reads one
// answer frame per message. With a `reference`, stops at the first answer that differs.
Exchange converse(const sticky::Address& server, const sticky::Codec& codec, const std::string& stream,
                  const Layout& layout, const Cuts& cuts, const std::vector<std::string>* reference,
                  const Timing& timing);

// Whether `server` accepts a connection now (connects, and closes at once).
bool accepts(const sticky::Address& server);
// Whether some socket on this machine listens on TCP `port`, without connecting to it
// (a connection the program did not expect could upset it); nullopt: /proc cannot tell.
std::optional<bool> listening(std::uint16_t port);

}  // namespace check
