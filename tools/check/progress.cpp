#include "check/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "speak/terminal.hpp"

namespace check {

Progress::Progress() : on_(::isatty(2)) {}

void Progress::show(const speak::Text& text) {
  if (!on_) return;
  fmt::print(stderr, "\r\033[K{}", speak::fit_columns(text.local, 79));
  std::fflush(stderr);
  shown_ = true;
}

void Progress::clear() {
  if (on_ && shown_) fmt::print(stderr, "\r\033[K");
  shown_ = false;
}

}  // namespace check
