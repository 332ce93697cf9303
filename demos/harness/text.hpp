// What a demo says, in two languages at once: the trace records English (JSON output never
// changes with the language), the narration shows the user's (sticky/language.hpp).
//
//   demo.say(harness::tr("the server slept {} ms before its recv()", 50));
//
// tr() formats the English text and its translation with the same arguments and remembers
// the pair, so that the narrator, which sees only the trace's English, prints the other.
// xgettext finds the texts by the name tr (make pot).
#pragma once

#include <fmt/format.h>

#include <string>
#include <utility>

#include "sticky/language.hpp"

namespace harness {

struct Text {
  std::string english;
  std::string local;
};

// Remembers that `english` is shown as `local`; localize() gives it back.
void remember_translation(const std::string& english, const std::string& local);
// The user's language for a text a demo said, or the text itself.
std::string localize(const std::string& english);

template <typename... Args>
Text tr(const char* english, Args&&... args) {
  const char* local = sticky::translate(english);
  Text text{fmt::format(fmt::runtime(english), args...), fmt::format(fmt::runtime(local), args...)};
  if (text.local != text.english) remember_translation(text.english, text.local);
  return text;
}

}  // namespace harness
