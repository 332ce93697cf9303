#include "harness/predict.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iostream>

#include "harness/narrator.hpp"
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

void Predictor::ask(sticky::Side side, int conn, std::size_t want, bool datagram) {
  asked_ = {conn, side};
  want_ = want;
  std::string call = fmt::format("{}({})", datagram ? "recvfrom" : "recv", want);
  std::string question =
      vary_ ? tr("Predict: {} {} will return how many bytes? (it can vary from run to run: any answer the "
                 "kernel could give counts) > ",
                 side_text(std::string(sticky::to_string(side))), call)
                  .local
            : tr("Predict: {} {} will return how many bytes? > ", side_text(std::string(sticky::to_string(side))), call)
                  .local;
  fmt::print(out_, "\n  {}", question);
  std::fflush(out_);
  std::string line;
  std::getline(std::cin, line);
  long value = -1;
  auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), value);
  guess_ = error == std::errc{} ? value : -1;
}

void Predictor::tell(std::size_t got) {
  std::uint64_t possible;
  {
    std::lock_guard lock(mutex_);
    possible = std::min<std::uint64_t>(want_, got + unread_[asked_]);  // what was there to read
  }
  bool right = guess_ == static_cast<long>(got) ||
               (vary_ && guess_ >= 1 && static_cast<std::uint64_t>(guess_) <= possible && got > 0);
  ++asked_count_;
  if (right) ++right_;
  std::string verdict = guess_ < 0 ? tr("no guess").local : right ? tr("right").local : tr("not this time").local;
  fmt::print(out_, "  {}\n", tr("→ it returned {}: {} ({} of {} so far)", byte_count(got), verdict,
                                 right_, asked_count_)
                                  .local);
  std::fflush(out_);
}

void Predictor::summary() const {
  if (asked_count_ == 0) return;
  fmt::print(out_, "\n{}\n", tr("You predicted {0} of {1} receives.", right_, asked_count_).local);
}

}  // namespace harness
