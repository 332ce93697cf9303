// --predict: before each recv() the demo asks what it will return; after it, it shows the
// truth and keeps score — guess first, then see, the way a lesson sticks.
//
// The answer expected is what the kernel returns. Where it may vary from run to run (a
// reader that races the sender), the demo says so with answers_vary(), the question says
// so too, and any answer the kernel could have given counts: from 1 byte up to what was
// sent and not yet read, at most the size asked.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "sticky/trace.hpp"

namespace harness {

class Predictor {
 public:
  explicit Predictor(std::FILE* out) : out_(out) {}
  // A trace listener: counts the bytes sent to each receiver and read by it.
  void operator()(const sticky::TraceEvent& event);
  // Before a recv(want) by `side` on connection `conn`: asks, reads the guess from stdin.
  void ask(sticky::Side side, int conn, std::size_t want, bool datagram);
  // After it: the truth, and whether the guess counts.
  void tell(std::size_t got);
  void answers_vary(bool vary) { vary_ = vary; }
  // "You predicted 5 of 7 receives."
  void summary() const;

 private:
  using Key = std::pair<int, sticky::Side>;  // (connection, receiver)
  // One question at a time: the client's and the server's threads may both be about to
  // recv(); each thread remembers its own question and guess.
  struct Question {
    Key key{};
    std::size_t want = 0;
    long guess = -1;
  };
  static Question& mine();
  std::FILE* out_;
  std::mutex mutex_;     // unread_ and the score
  std::mutex asking_;    // the terminal: one question and its answer at a time
  std::map<Key, std::uint64_t> unread_;
  bool vary_ = false;
  int right_ = 0, asked_count_ = 0;
};

}  // namespace harness
