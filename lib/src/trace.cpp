#include "sticky/trace.hpp"

#include <iterator>

namespace sticky {

namespace {
// In the order of enum class Op.
constexpr std::string_view kOpNames[] = {"meta",   "step", "note",    "call",   "error",  "result",
                                         "segments", "send", "recv",  "frame",  "connect", "accept",
                                         "bind",   "listen", "shutdown", "close", "unknown"};
static_assert(std::size(kOpNames) == static_cast<std::size_t>(Op::unknown) + 1);
}  // namespace

std::string_view to_string(Op op) { return kOpNames[static_cast<std::size_t>(op)]; }

std::string_view to_string(Side side) {
  switch (side) {
    case Side::client: return "client";
    case Side::server: return "server";
    case Side::relay: return "relay";
    case Side::none: break;
  }
  return "";
}

std::string_view to_string(Direction direction) {
  switch (direction) {
    case Direction::up: return "up";
    case Direction::down: return "down";
    case Direction::none: break;
  }
  return "";
}

Side other_side(Side side) {
  if (side == Side::client) return Side::server;
  if (side == Side::server) return Side::client;
  return side;
}

Trace::Trace() : start_(std::chrono::steady_clock::now()) {}

void Trace::add_listener(Listener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

TraceEvent Trace::record(TraceEvent event) {
  std::lock_guard lock(mutex_);
  event.seq = next_seq_++;
  if (event.t_us == 0)
    event.t_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_)
                     .count();
  events_.push_back(event);
  // Listeners run under the lock so that lines from two threads never interleave.
  for (auto& listener : listeners_) listener(event);
  return event;
}

std::vector<TraceEvent> Trace::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

}  // namespace sticky
