#include "sticky/error.hpp"

#include <cstring>

namespace sticky {

namespace {
std::string describe(std::string_view call, std::string_view object, int error) {
  std::string text(call);
  if (!object.empty()) {
    text += ' ';
    text += object;
  }
  text += ": ";
  text += error == ETIMEDOUT ? "timed out" : std::strerror(error);
  return text;
}
}  // namespace

SystemError::SystemError(std::string_view call, std::string_view object, int error)
    : std::runtime_error(describe(call, object, error)), error_(error) {}

void throw_errno(std::string_view call, std::string_view object) {
  int saved = errno;
  if (saved == ETIMEDOUT) throw TimeoutError(call, object);
  throw SystemError(call, object, saved);
}

}  // namespace sticky
