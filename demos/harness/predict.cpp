#include "harness/predict.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iostream>

#include "harness/text.hpp"
#include "sticky/provenance.hpp"

namespace harness {

void Predictor::operator()(const sticky::TraceEvent& e) {
  if (e.side != sticky::Side::client && e.side != sticky::Side::server) return;
  std::lock_guard lock(mutex_);
  int conn = e.conn.value_or(0);
  if (e.op == sticky::Op::send) unread_[{conn, sticky::other_side(e.side)}] += e.data.size();
  if (e.op == sticky::Op::recv) {
    auto& left = unread_[{conn, e.side}];
    left -= std::min<std::uint64_t>(left, e.data.size());
  }
}

Predictor::Question& Predictor::mine() {
  thread_local Question question;
  return question;
}

void Predictor::ask(sticky::Side side, int conn, std::size_t want, bool datagram) {
  std::lock_guard terminal(asking_);
  Question& q = mine();
  q.key = {conn, side};
  q.want = want;
  std::string call = fmt::format("{}({})", datagram ? "recvfrom" : "recv", want);
  std::string question =
      vary_ ? tr("Predict: {} {} will return how many bytes? (it can vary from run to run: any answer the "
                 "kernel could give counts) > ",
                 sticky::to_string(side), call)
                  .local
            : tr("Predict: {} {} will return how many bytes? > ", sticky::to_string(side), call).local;
  fmt::print(out_, "\n  {}", question);
  std::fflush(out_);
  std::string line;
  std::getline(std::cin, line);
  long value = -1;
  auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), value);
  q.guess = error == std::errc{} ? value : -1;
}

void Predictor::tell(std::size_t got) {
  const Question& q = mine();
  std::lock_guard terminal(asking_);
  std::lock_guard lock(mutex_);
  std::uint64_t possible = std::min<std::uint64_t>(q.want, got + unread_[q.key]);  // what was there to read
  bool right = q.guess == static_cast<long>(got) ||
               (vary_ && q.guess >= 1 && static_cast<std::uint64_t>(q.guess) <= possible && got > 0);
  ++asked_count_;
  if (right) ++right_;
  std::string verdict = q.guess < 0 ? tr("no guess").local : right ? tr("right").local : tr("not this time").local;
  fmt::print(out_, "  {}\n", tr("→ it returned {}: {} ({} of {} so far)", sticky::count_bytes(got), verdict,
                                 right_, asked_count_)
                                  .local);
  std::fflush(out_);
}

void Predictor::summary() const {
  if (asked_count_ == 0) return;
  fmt::print(out_, "\n{}\n", tr("You predicted {} of {} receives.", right_, asked_count_).local);
}

}  // namespace harness
