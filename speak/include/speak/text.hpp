// What a demo says, in two languages at once: the trace records English (JSON output never
// changes with the language), the narration shows the user's (speak/language.hpp).
//
//   demo.say(speak::tr("the server slept {} ms before its recv()", 50));
//
// tr() formats the English text and its translation with the same arguments and remembers
// the pair, so that the narrator, which sees only the trace's English, prints the other.
// An argument may itself be a Text: the English side gets its English, the other side its
// translation (tr("checksum {}", tr("matches"))). xgettext finds the texts by the names tr,
// N_ and translate (make pot).
//
// Programs without a trace print tr(...).local. A text put together from parts (a list, a
// sentence and a clause) is remembered too when it is made by join() or plus().
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "speak/language.hpp"

namespace speak {

struct Text {
  std::string english;
  std::string local;
};


// Remembers that `english` is shown as `local`; localize() gives it back.
void remember_translation(const std::string& english, const std::string& local);
// The user's language for a text a demo said: a text tr() made, or a message of lib's (an
// exception's what(): "at byte 0: length 9 exceeds the maximum frame of 4 bytes") matched
// against the messages lib is known to say. Otherwise the text itself.
std::string localize(const std::string& english);
// What lib's provenance model says a received call holds ("messages 1–3") in the user's language.
std::string localize_origin(const std::string& english);

// A text said in English elsewhere (an exception's what()), in the user's language as far as
// localize() knows it.
inline Text localized(const std::string& english) { return Text{english, localize(english)}; }
// A text that is the same in every language (a name, a number, bytes quoted).
inline Text same(std::string text) { return Text{text, std::move(text)}; }
// "1 byte", "14 bytes" (sticky::count_bytes) in the user's language.
inline Text byte_count(std::uint64_t n);
// Parts one after another, `separator` between them, remembered as one text.
Text join(const std::vector<Text>& parts, const Text& separator);
// Two texts one after the other, remembered as one text.
Text plus(const Text& a, const Text& b);

namespace detail {
template <typename T>
const T& pick(const T& value, bool) {
  return value;
}
inline const std::string& pick(const Text& text, bool local) { return local ? text.local : text.english; }
// The translation formatted; the English when the translation's placeholders do not fit.
std::string format_local(const char* local, const std::string& english, fmt::format_args args);
}  // namespace detail

template <typename... Args>
Text tr(const char* english, const Args&... args) {
  const char* local = speak::translate(english);
  Text text;
  text.english = fmt::format(fmt::runtime(english), detail::pick(args, false)...);
  if (local == english) {
    text.local = text.english;
    return text;
  }
  text.local = detail::format_local(local, text.english, fmt::make_format_args(detail::pick(args, true)...));
  if (text.local != text.english) remember_translation(text.english, text.local);
  return text;
}

inline Text byte_count(std::uint64_t n) { return n == 1 ? tr("{} byte", n) : tr("{} bytes", n); }

// The value of --lang VALUE or --lang=VALUE among a program's arguments (before any "--"),
// or "" — for what a program says before its options are parsed.
std::string lang_argument(int argc, char** argv);
// speak::use_language(speak::choose_language(requested)); an unknown language is a usage
// error, said on stderr: returns false.
bool use_language(const std::string& program, const std::string& requested);

// The environment as the program found it: use_language() sets LANGUAGE for gettext, and
// a program we start (a student's server) must not see that.
std::vector<std::string> child_environment();

// "program: message" on stderr, the message in the user's language as far as localize()
// knows it; with `usage`, the hint "Run 'program --help' for usage." after it.
void print_error(const std::string& program, const std::string& english, bool usage = false);

// Runs the body of main() and says its failure in the user's language: std::invalid_argument
// (a bad option value found late) is a usage error, exit 2 with the hint; any other exception
// is one line on stderr and exit 1.
template <typename Body>
int run(const std::string& program, Body&& body) {
  try {
    return std::forward<Body>(body)();
  } catch (const std::invalid_argument& e) {
    std::fflush(stdout);
    print_error(program, e.what(), true);
    return 2;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    print_error(program, e.what(), false);
    return 1;
  }
}

}  // namespace speak
