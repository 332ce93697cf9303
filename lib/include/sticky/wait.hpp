// Waiting, once: a Waker another thread (or a signal handler) uses to interrupt a wait at
// once, and wait_until(), poll() that survives EINTR and keeps one deadline.
//
//   sticky::Waker waker;                               // an eventfd
//   std::vector<pollfd> fds{{listener, POLLIN, 0}, {waker.fd(), POLLIN, 0}};
//   sticky::wait_until(fds, std::nullopt);             // until a client or waker.wake()
//
// Python's serve_forever() polls every 0.5 s to notice shutdown(); an eventfd in the same
// poll() wakes the loop the moment it is written, so nothing polls.
#pragma once

#include <poll.h>

#include <chrono>
#include <optional>
#include <span>

#include "sticky/socket.hpp"

namespace sticky {

using Clock = std::chrono::steady_clock;

class Waker {
 public:
  Waker();                 // throws SystemError
  void wake() noexcept;    // any thread, or a signal handler: it only writes to the eventfd
  void drain() noexcept;   // forget the wake-ups so far
  int fd() const noexcept { return fd_.get(); }

 private:
  Fd fd_;
};

// poll()s until an event or the deadline (none: forever), retrying EINTR with the time that
// is left. Returns how many descriptors are ready; 0 when the deadline passed. Microsecond
// precision (ppoll), so paced relays keep their pace.
int wait_until(std::span<pollfd> fds, std::optional<Clock::time_point> deadline);

// The deadline `timeout` from now; none for no timeout.
inline std::optional<Clock::time_point> deadline_after(std::optional<Millis> timeout) {
  if (!timeout) return std::nullopt;
  return Clock::now() + *timeout;
}

}  // namespace sticky
