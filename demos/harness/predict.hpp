// --predict: before each recv() the demo asks what it will return; after it, it shows the
// truth and keeps score — guess first, then see, the way a lesson sticks.
//
// The answer expected is what the kernel returns. Where it may vary from run to run (a
// reader that races the sender), the demo says so with answers_vary(), the question says
// so too, and any answer the kernel could have given counts: from 1 byte up to what was
// sent and not yet read, at most the size asked.
//
// In role both the client and the server run at once, so two recv() calls may be about to
// happen together: questions are asked one at a time, each answer is shown with the call it
// was about ("→ server recv(1) returned 1 byte: right"). A run of the same call (64 ×
// recv(1024)) is asked about twice, then left alone, as the narration folds it. The time a
// person spends thinking does not count against the demo's timeouts (thinking_ms()).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "sticky/error.hpp"
#include "sticky/io.hpp"
#include "sticky/trace.hpp"

namespace harness {

class Predictor {
 public:
  explicit Predictor(std::FILE* out) : out_(out) {}
  // A trace listener: counts the bytes sent to each receiver and read by it.
  void operator()(const sticky::TraceEvent& event);

  // One recv() asked about: what the guess was, and what could have been read.
  struct Question {
    bool asked = false;
    std::pair<int, sticky::Side> key{};
    std::string call;  // "server recv(1)"
    std::size_t want = 0;
    long guess = -1;
  };
  // Before a recv(want) by `side` on connection `conn`: asks, reads the guess from stdin.
  // `before` runs first when there is a question to ask (the story so far on the screen).
  Question ask(sticky::Side side, int conn, std::size_t want, bool datagram, const std::function<void()>& before = {});
  // After it: the truth, and whether the guess counts.
  void tell(const Question& question, std::size_t got);
  void answers_vary(bool vary) { vary_ = vary; }
  // "You predicted 5 of 7 receives."
  void summary() const;

  // Milliseconds people have spent answering so far, the question on screen included.
  std::chrono::milliseconds thinking() const;
  // sticky::recv_some and sticky::recv_datagram with `timeout` counting machine time only:
  // a timeout that expires while someone was answering a question is extended by that long.
  template <typename Call>
  auto patiently(sticky::Timeout timeout, Call&& call) -> decltype(call(timeout));

 private:
  using Key = std::pair<int, sticky::Side>;  // (connection, receiver)
  std::FILE* out_;
  std::mutex mutex_;     // the counts below
  std::mutex asking_;    // one question on the screen at a time, and its answer
  std::map<Key, std::uint64_t> unread_;
  std::atomic<bool> vary_ = false;
  int right_ = 0, asked_count_ = 0;
  std::tuple<int, sticky::Side, std::size_t, bool> last_call_{};  // the call asked about last
  int repeats_ = 0;                                               // ... and how often in a row
  std::atomic<std::int64_t> thought_ms_{0};
  std::atomic<std::int64_t> asking_since_ms_{0};  // 0: no question on the screen
};

template <typename Call>
auto Predictor::patiently(sticky::Timeout timeout, Call&& call) -> decltype(call(timeout)) {
  if (!timeout) return call(timeout);
  auto thought = thinking();
  for (;;) {
    try {
      return call(timeout);
    } catch (const sticky::TimeoutError&) {
      auto extra = std::chrono::duration_cast<sticky::Millis>(thinking() - thought);
      if (extra.count() <= 0) throw;
      thought += extra;
      timeout = extra;  // as long again as someone was thinking meanwhile
    }
  }
}

}  // namespace harness
