// Where a lesson is about calls rather than bytes, the program runs under sticky-trace and
// its calls themselves are checked: one write per answer (lesson 06), no waiting for the
// client inside an answer (04), every byte of a partial send() sent after all (10), a
// datagram cut by a short buffer (07).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "speak/text.hpp"
#include "sticky/trace.hpp"

namespace learn {

struct CallFinding {
  std::string symptom;       // two_writes, extra_round_trip, partial_send_ignored, truncated_datagram
  std::size_t message = 0;   // which answer or datagram (0-based)
  speak::Text evidence;      // the calls, told
};

// The events of a trace file; empty when it cannot be read.
std::vector<sticky::TraceEvent> read_trace_file(const std::string& path);

// The server's calls on the connection whose peer is our `client_port`, answer by answer.
// `answer_sizes`: the bytes each answer takes on the wire, in order (for one_round_trip).
std::optional<CallFinding> check_one_write(const std::vector<sticky::TraceEvent>& trace, std::uint16_t client_port);
std::optional<CallFinding> check_one_round_trip(const std::vector<sticky::TraceEvent>& trace, std::uint16_t client_port,
                                                const std::vector<std::uint64_t>& answer_sizes);
// A client's sends on its first connection: a send() that took less than asked, and the
// rest never sent (`total`: the bytes it had to send).
std::optional<CallFinding> check_every_byte(const std::vector<sticky::TraceEvent>& trace, std::uint64_t total);
// Datagram number `message` (0-based) of a UDP server's reads, cut by a short buffer: the
// recorder says so (recvmsg's MSG_TRUNC), or the read filled its buffer with fewer bytes
// than the `sent` we know the datagram had (recvfrom cannot tell the program).
std::optional<CallFinding> check_datagram(const std::vector<sticky::TraceEvent>& trace, std::size_t message,
                                          std::uint64_t sent);

}  // namespace learn
