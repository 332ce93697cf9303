#include "speak/text.hpp"

#include <fmt/args.h>

#include <cstdlib>
#include <mutex>
#include <optional>
#include <regex>
#include <unordered_map>

extern char** environ;

namespace speak {

namespace {
std::mutex mutex;
std::unordered_map<std::string, std::string>& table() {
  static std::unordered_map<std::string, std::string> pairs;
  return pairs;
}

// What lib says in English, in its exceptions, word for word (lib knows no languages): the
// codecs' and the handshake's complaints about a stream, timeouts. Matched whole, each {}
// standing for any text, which is itself localized (a message inside a message). The
// first that matches wins: the ones that split any text into two go last.
const char* const kLibMessages[] = {
    N_("at byte {}: {}"),
    N_("negative length {}"),
    N_("length {} with adjust {} is negative"),
    N_("length {} exceeds the maximum frame of {} bytes"),
    N_("length {} ends the frame inside its own {}-byte header"),
    N_("stream ended inside a header ({} of {} bytes)"),
    N_("stream ended inside a payload ({} of {} bytes)"),
    N_("stream ended inside a message ({} bytes without a delimiter)"),
    N_("stream ended inside a frame ({} of {} bytes)"),
    N_("no delimiter within the maximum frame of {} bytes"),
    N_("message of {} bytes exceeds the maximum frame of {}"),
    N_("message of {} bytes does not fit a fixed frame of {}"),
    N_("a {}-byte message does not fit a {}-byte {} length field"),
    N_("the message contains the delimiter, or ends with its start; a receiver would split it"),
    N_("expected a length in ASCII digits, got {} bytes \"{}\""),
    N_("expected a length in ASCII digits, got \"{}\""),
    N_("length {} exceeds the maximum of {} bytes"),
    N_("a line longer than {} bytes: refused"),
    N_("{} {}: timed out"),
    N_("{}: timed out"),
    N_("--lang: '{}' is not a language sticky speaks: en or zh"),
    N_("--{}: '{}' is not a number from 0 to 999999999"),
    N_("--cuts: 0 is not a cut; N cuts after byte N, N >= 1"),
    N_("--cuts: a comma with no offset after it"),
    N_("--random-split: MAX must be at least 1"),
    N_("unknown shaping option --{}"),
    N_("bad address '{}': expected [V6]:PORT"),
    N_("bad address '{}': expected HOST:PORT, [V6]:PORT or unix:PATH"),
    N_("bad address '{}': write IPv6 hosts in brackets, [::1]:PORT"),
    N_("bad port '{}' in '{}': expected 0..65535"),
    N_("not a hex digit: '{}'"),
    N_("odd number of hex digits"),
    N_("{} {}: Connection refused"),
    N_("{} {}: Connection reset by peer"),
    N_("{} {}: Broken pipe"),
    N_("{} {}: Address already in use"),
    N_("{} — {}"),
    N_("{}; {}"),
};

// What lib's provenance model says a call's bytes are (sticky/provenance.hpp).
const char* const kOrigins[] = {
    N_("message {} (part)"),
    N_("messages {}–{}"),
    N_("message {}"),
    N_("datagram {}"),
    N_("one whole datagram"),
    N_("an empty datagram (not end of stream)"),
    N_("end of stream: the peer closed"),
    N_("TRUNCATED: the datagram had {} bytes; the rest is gone"),
    N_("TRUNCATED: the datagram had {} byte; the rest is gone"),
};

struct Pattern {
  const char* english;
  std::regex regex;
  std::size_t holes;
};

std::vector<Pattern> compile(const char* const* begin, const char* const* end) {
  std::vector<Pattern> out;
  for (const char* const* it = begin; it != end; ++it) {
    std::string expression = "^";
    std::size_t holes = 0;
    for (std::string_view rest = *it; !rest.empty();) {
      if (rest.starts_with("{}")) {
        expression += "([\\s\\S]*?)";
        ++holes;
        rest.remove_prefix(2);
        continue;
      }
      if (std::string_view("\\^$.|?*+()[]{}").find(rest.front()) != std::string_view::npos) expression += '\\';
      expression += rest.front();
      rest.remove_prefix(1);
    }
    out.push_back({*it, std::regex(expression + "$", std::regex::ECMAScript | std::regex::optimize), holes});
  }
  return out;
}

std::optional<std::string> lookup(const std::string& english, const std::vector<Pattern>& patterns, int depth);

// `english` matched against `patterns`, each part localized in turn.
std::optional<std::string> match(const std::string& english, const std::vector<Pattern>& patterns, int depth) {
  if (depth > 4 || english.empty()) return std::nullopt;
  for (const auto& p : patterns) {
    std::smatch m;
    if (!std::regex_match(english, m, p.regex)) continue;
    const char* local = speak::translate(p.english);
    fmt::dynamic_format_arg_store<fmt::format_context> args;
    for (std::size_t i = 1; i <= p.holes; ++i) {
      std::string part = m[i].str();
      auto inner = lookup(part, patterns, depth + 1);
      args.push_back(inner ? *inner : part);
    }
    try {
      return fmt::vformat(local, args);
    } catch (const fmt::format_error&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// A text tr() made, else a message matched.
std::optional<std::string> lookup(const std::string& english, const std::vector<Pattern>& patterns, int depth) {
  {
    std::lock_guard lock(mutex);
    auto it = table().find(english);
    if (it != table().end()) return it->second;
  }
  return match(english, patterns, depth);
}

const std::vector<Pattern>& lib_messages() {
  static const std::vector<Pattern> all = compile(std::begin(kLibMessages), std::end(kLibMessages));
  return all;
}

}  // namespace

void remember_translation(const std::string& english, const std::string& local) {
  std::lock_guard lock(mutex);
  table()[english] = local;
}

std::string localize(const std::string& english) {
  if (speak::current_language() == speak::Language::english) return english;
  return lookup(english, lib_messages(), 0).value_or(english);
}

std::string localize_origin(const std::string& english) {
  if (speak::current_language() == speak::Language::english) return english;
  static const std::vector<Pattern> origins = compile(std::begin(kOrigins), std::end(kOrigins));
  return match(english, origins, 3).value_or(english);
}

Text join(const std::vector<Text>& parts, const Text& separator) {
  Text out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) {
      out.english += separator.english;
      out.local += separator.local;
    }
    out.english += parts[i].english;
    out.local += parts[i].local;
  }
  if (out.local != out.english) remember_translation(out.english, out.local);
  return out;
}

Text plus(const Text& a, const Text& b) { return join({a, b}, same("")); }

std::string lang_argument(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") break;
    if (a == "--lang" && i + 1 < argc) return argv[i + 1];
    if (a.starts_with("--lang=")) return std::string(a.substr(7));
  }
  return {};
}

namespace {
bool language_saved = false;
std::optional<std::string> original_language;  // LANGUAGE before use_language()
}  // namespace

std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view entry = *e;
    if (language_saved && entry.starts_with("LANGUAGE=")) continue;
    env.emplace_back(entry);
  }
  if (language_saved && original_language) env.push_back("LANGUAGE=" + *original_language);
  return env;
}

bool use_language(const std::string& program, const std::string& requested) {
  if (!language_saved) {
    if (const char* value = std::getenv("LANGUAGE")) original_language = value;
    language_saved = true;
  }
  try {
    speak::use_language(speak::choose_language(requested));
    return true;
  } catch (const std::invalid_argument& e) {
    speak::use_language(speak::choose_language(""));
    print_error(program, e.what(), true);
    return false;
  }
}

void print_error(const std::string& program, const std::string& english, bool usage) {
  fmt::print(stderr, "{}: {}\n", program, localize(english));
  if (usage) fmt::print(stderr, "{}\n", tr("Run '{} --help' for usage.", program).local);
}

namespace detail {
std::string format_local(const char* local, const std::string& english, fmt::format_args args) {
  try {
    return fmt::vformat(local, args);
  } catch (const fmt::format_error&) {
    return english;  // a translation whose placeholders do not fit: English rather than nothing
  }
}
}  // namespace detail

}  // namespace speak
