// Errors that a student can act on: which call failed, on what, and errno's text.
//
//   throw_errno("connect", "127.0.0.1:9001");
//   // -> sticky::SystemError: "connect 127.0.0.1:9001: Connection refused"
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sticky {

// A failed system call. what() is one line: "CALL OBJECT: strerror(errno)".
class SystemError : public std::runtime_error {
 public:
  SystemError(std::string_view call, std::string_view object, int error);
  int error() const noexcept { return error_; }

 private:
  int error_;
};

// A deadline passed before the call could complete: poll timed out, or SO_RCVTIMEO /
// SO_SNDTIMEO expired. EAGAIN on a non-blocking socket is not one: nobody set a timeout.
class TimeoutError : public SystemError {
 public:
  TimeoutError(std::string_view call, std::string_view object)
      : SystemError(call, object, ETIMEDOUT) {}
};

[[noreturn]] void throw_errno(std::string_view call, std::string_view object = {});

}  // namespace sticky
