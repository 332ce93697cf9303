#include "harness/predict.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iostream>

#include "speak/narrator.hpp"
#include "speak/text.hpp"
#include "sticky/provenance.hpp"

namespace harness {

using namespace speak;

namespace {
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

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

std::chrono::milliseconds Predictor::thinking() const {
  std::int64_t since = asking_since_ms_.load();
  return std::chrono::milliseconds(thought_ms_.load() + (since ? now_ms() - since : 0));
}

Predictor::Question Predictor::ask(sticky::Side side, int conn, std::size_t want, bool datagram,
                                   const std::function<void()>& before) {
  std::lock_guard asking(asking_);
  Question q;
  q.key = {conn, side};
  q.want = want;
  // The third recv(1024) in a row, and the rest: the narration folds them, so do we.
  auto call = std::make_tuple(conn, side, want, datagram);
  repeats_ = call == last_call_ ? repeats_ + 1 : 1;
  last_call_ = call;
  if (repeats_ > 2) return q;
  if (before) before();

  Text who = side_text(std::string(sticky::to_string(side)));
  if (conn > 1) who = plus(who, same(fmt::format("#{}", conn)));
  std::string label = fmt::format("{}({})", datagram ? "recvfrom" : "recv", want);
  q.call = who.local + " " + label;
  std::string question =
      vary_ ? tr("Predict: {} {} will return how many bytes? (it can vary from run to run: any answer the "
                 "kernel could give counts) > ",
                 who, label)
                  .local
            : tr("Predict: {} {} will return how many bytes? > ", who, label).local;
  std::lock_guard terminal(screen());
  fmt::print(out_, "\n  {}", question);
  std::fflush(out_);
  asking_since_ms_ = now_ms();
  std::string line;
  std::getline(std::cin, line);
  thought_ms_ += now_ms() - asking_since_ms_.exchange(0);
  long value = -1;
  auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), value);
  q.guess = error == std::errc{} ? value : -1;
  q.asked = true;
  return q;
}

void Predictor::tell(const Question& q, std::size_t got) {
  if (!q.asked) return;
  std::lock_guard asking(asking_);  // not in the middle of another question
  std::uint64_t possible;
  {
    std::lock_guard lock(mutex_);
    possible = std::min<std::uint64_t>(q.want, got + unread_[q.key]);  // what was there to read
  }
  bool right = q.guess == static_cast<long>(got) ||
               (vary_ && q.guess >= 1 && static_cast<std::uint64_t>(q.guess) <= possible && got > 0);
  ++asked_count_;
  if (right) ++right_;
  Text verdict = q.guess < 0 ? tr("no guess") : right ? tr("right") : tr("not this time");
  std::lock_guard terminal(screen());
  fmt::print(out_, "  {}\n",
             tr("→ {} returned {}: {} ({} of {} so far)", q.call, byte_count(got), verdict, right_, asked_count_).local);
  std::fflush(out_);
}

void Predictor::summary() const {
  if (asked_count_ == 0) return;
  std::lock_guard terminal(screen());
  fmt::print(out_, "\n{}\n", tr("You predicted {0} of {1} receives.", right_, asked_count_).local);
}

}  // namespace harness
