// One conversation with the student's server, as its client: every request framed with the
// exercise's codec, each answer awaited and read whole. Connection 1 carries the messages —
// each in one write, or its byte stream cut into the pieces a cut list makes (each piece
// its own send(), the next one only once the program has read it). Then, as the exercise
// asks, a connection with a hostile header that must be refused, and a next client once
// the first has left; all the while, perhaps, another client connected and silent.
//
//   learn::Conversation c = ...;                            // the acts, from the exercise
//   auto reference = learn::talk(reference_server, c, codec, {});
//   auto student = learn::talk(student_server, c, codec, {.expected = &reference.outcomes});
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "learn/child.hpp"
#include "sticky/codec.hpp"
#include "sticky/socket.hpp"

namespace learn {

using Cuts = std::vector<std::uint64_t>;

struct Act {
  enum class Kind { message, hostile };
  Kind kind = Kind::message;
  int conn = 1;             // 1: the messages; 2: a hostile header; 3: the next client
  std::size_t message = 0;  // which message (0-based), for a message
  std::string payload;      // the message, or the hostile bytes as they are sent
};

struct Outcome {
  enum class Kind {
    answer,          // a whole answer came: `answer`
    no_answer,       // nothing more within the timeout (`pending` holds what came of it)
    closed,          // the program closed (or reset) the connection instead
    bad_frame,       // what came cannot be an answer: `detail` says why
    refused,         // hostile: the program closed the connection, as it should
    not_refused,     // hostile: it kept the connection open, waiting for the body
    cannot_connect,  // `detail` says why
  };
  Kind kind = Kind::no_answer;
  std::string answer;
  std::string pending;      // bytes that came and make no whole answer
  std::string detail;
  double ms = 0;            // the request's last byte sent -> the answer whole
  bool idle_blocked = false;  // no answer until the silent client left
};

struct Conversation {
  std::vector<Act> acts;
  bool idle_client = false;  // a client connected first, silent, until the end
  bool udp = false;          // datagrams: one message, one answer, no connections
};

struct Talk {
  std::vector<Outcome> outcomes;             // one per act, as far as the conversation went
  std::map<int, std::uint16_t> local_ports;  // connection -> our port (to find it in a trace)
  std::uint16_t idle_port = 0;
};

struct TalkOptions {
  Millis answer_timeout{2000};   // an answer is due and nothing came for this long
  Millis refuse_timeout{1000};   // a hostile header: this long to close the connection
  std::optional<Cuts> cuts;      // connection 1's stream cut after these offsets
  const std::vector<Outcome>* expected = nullptr;  // stop after the first outcome unlike it
};

Talk talk(const sticky::Address& server, const Conversation& conversation, const sticky::Codec& codec,
          const TalkOptions& options);

// Whether `got` is what `expected` (the reference's) was: the same answer, or both refused.
bool same(const Outcome& got, const Outcome& expected);

// Where each message's frame lies in connection 1's stream: [begin, end) offsets.
std::vector<std::pair<std::uint64_t, std::uint64_t>> frame_places(const Conversation& conversation,
                                                                  const sticky::Codec& codec);

}  // namespace learn
