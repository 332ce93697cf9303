// sticky-check's progress: one line on stderr, rewritten in place, only when stderr is a
// terminal; cut to 79 columns between whole characters.
#pragma once

#include "speak/text.hpp"

namespace check {

class Progress {
 public:
  Progress();
  ~Progress() { clear(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void show(const speak::Text& text);
  void clear();

 private:
  bool on_;
  bool shown_ = false;
};

}  // namespace check
