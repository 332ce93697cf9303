// What a client's run is judged on, and how a cut run differs from the uncut one.
//
// By default its exit status and its stdout; --compare picks from exit, stdout, stderr and
// sent (the bytes it sent its server), --ignore REGEX leaves out the lines that match. Two
// uncut runs come first: what differs between them (a port it prints, a time) is not
// evidence, and is left out too.
//
//   check::Comparison c = check::parse_compare("exit,stdout,sent");
//   c.ignore.push_back("^got \\d+ bytes");
//   auto notes = check::learn(c, first_uncut, second_uncut);
//   check::Difference d = check::compare(c, first_uncut, cut_run);
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "check/client_run.hpp"
#include "speak/text.hpp"

namespace check {

struct Comparison {
  bool exit = true, out = true, err = false, sent = false;
  std::vector<std::string> ignore;  // regular expressions (ECMAScript); matching lines are left out

  // Learned from two uncut runs (learn()).
  std::vector<bool> varying_lines;  // stdout lines (after ignore) that differed; compared no more
  bool out_varies = false, err_varies = false, exit_varies = false, sent_varies = false;

  // What is still compared, in words: "exit status, output" ("" when nothing is).
  speak::Text describe() const;
  bool anything() const;
};

// "exit,stdout,sent" -> those channels; std::invalid_argument on anything else.
Comparison parse_compare(std::string_view channels);
// std::invalid_argument when a --ignore pattern is no regular expression.
void check_ignore(const std::vector<std::string>& patterns);

// The lines of `text` that are compared: those no --ignore pattern matches.
std::vector<std::string> compared_lines(const Comparison& comparison, const std::string& text);

// Learns from two uncut runs what varies by itself; says what was left out because of it.
std::vector<speak::Text> learn(Comparison& comparison, const ClientRun& a, const ClientRun& b);

struct Difference {
  enum class Kind {
    none,  // the same, as far as compared
    hard,  // a difference that is evidence
    soft,  // only lines with numbers in them differ: a log of sizes or times, or data? cannot tell
  };
  Kind kind = Kind::none;
  std::vector<speak::Text> story;  // what differs, first things first
};
Difference compare(const Comparison& comparison, const ClientRun& reference, const ClientRun& run);

// Whether the first line where `out` parts from `expected` has numbers in it on both sides
// (a line that may log sizes or times rather than data).
bool numbered_difference(const Comparison& comparison, const std::string& expected, const std::string& out);

// How `out` differs from `expected`, line by line after --ignore: the story's first line,
// nothing when they agree ("Its output differs from line 3 on: ...").
std::vector<speak::Text> output_difference(const Comparison& comparison, const std::string& expected,
                                           const std::string& out, const speak::Text& expected_name);

}  // namespace check
