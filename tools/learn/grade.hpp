// The one place sticky-learn meets sticky-check: it runs the built `sticky-check` binary as
// a child process (argv, never a shell) with --json, and reads its report into a CutVerdict.
// sticky-check's engine may change inside; only this adapter knows its options and fields.
//
//   learn::CutCheck c;  c.mode = learn::CutCheck::Mode::server;  c.program = {"python3", "server.py", "{port}"};
//   learn::CutVerdict v = learn::check_cuts(c);   // v.status: 0 held, 1 a cut broke it, 3 ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "learn/conversation.hpp"
#include "speak/text.hpp"

namespace learn {

struct CutCheck {
  enum class Mode { server, client };
  Mode mode = Mode::server;
  std::string codec;                  // frametool's options, as in the exercise
  std::vector<std::string> messages;  // server: the requests (none may hold a newline)
  std::vector<std::string> program;   // argv; "{port}" becomes the port it listens on or connects to
  std::string cwd;
  std::vector<std::string> env;
  std::string upstream;               // client: the exercise's server, HOST:PORT
  std::uint64_t seed = 0;
  double budget_s = 10;
};

struct CutFamily {
  std::string name;  // "header split", as sticky-check names it
  int runs = 0, failed = 0;
};

struct CutVerdict {
  int status = 0;             // 0 no cut broke it; 1 a cut did; 3 its own uncut run failed;
                              // -1 sticky-check could not be run or read (`error` says why)
  std::string error;
  std::vector<std::string> mistakes;  // the classic mistakes it names, by id ("one-recv")
  std::vector<speak::Text> mistake_words;  // the same, said ("treats one recv() as one message")
  std::string evidence;               // which families broke it and which did not (English)
  std::size_t planned = 0, tried = 0;
  bool budget_ran_out = false;
  std::vector<CutFamily> families;
  Cuts cuts;                          // the smallest cut that breaks it
  std::string found_by;
  std::vector<std::string> story;     // sticky-check's own story of that cut (English)
  std::string replay;                 // sticky-check's own replay command
  std::string reference_failure;      // status 3
  bool uncut_timed_out = false;       // status 3 for want of time: nothing was answered, no end came
  std::vector<std::string> hints;     // status 3
};

CutVerdict check_cuts(const CutCheck& check);

// A family of cuts named by sticky-check, in the user's language too.
speak::Text family_text(const std::string& english);
// Several mistakes as one: "A, and B".
speak::Text mistakes_text(const std::vector<speak::Text>& mistakes);

// Our sibling programs (build/bin/NAME, or where sticky-learn is installed).
std::string sibling(const std::string& name);

}  // namespace learn
