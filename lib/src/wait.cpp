#include "sticky/wait.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "sticky/error.hpp"

namespace sticky {

Waker::Waker() {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw_errno("eventfd");
  fd_.reset(fd);
}

void Waker::wake() noexcept {
  std::uint64_t one = 1;
  [[maybe_unused]] auto ignored = ::write(fd_.get(), &one, sizeof one);
}

void Waker::drain() noexcept {
  std::uint64_t count;
  while (::read(fd_.get(), &count, sizeof count) > 0) {}
}

int wait_until(std::span<pollfd> fds, std::optional<Clock::time_point> deadline) {
  for (;;) {
    timespec left{};
    if (deadline) {
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(*deadline - Clock::now()).count();
      if (ns < 0) ns = 0;
      left = {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    }
    int rc = ::ppoll(fds.data(), fds.size(), deadline ? &left : nullptr, nullptr);
    if (rc >= 0) return rc;
    if (errno != EINTR) throw_errno("poll");
  }
}

}  // namespace sticky
