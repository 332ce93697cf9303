// Turns trace events into the lines a student reads: who sent what, what each recv() got,
// and which messages those bytes came from (coloured, and quoted apart for monochrome).
// Which message each byte came from, and what a call means, is lib's provenance model's
// to say: the narration, the viewer and the pictures say the same thing.
//
// Lines are wrapped at word boundaries to the terminal's width (80 when stdout is not a
// terminal); colour codes do not count toward it, a Chinese character counts as two columns.
// A run of identical calls — 64 × recv(1024) of 1024 bytes each — is shown as its first call
// and one line for the rest, in every role, so two terminals read like role both.
//
// With --step the narration is paced, not the experiment: the demo runs at its own speed (a
// pause must never change what the kernel does — a late reader would merge what a prompt
// kept apart), its lines queue up, and a printer thread shows them, waiting for Enter before
// each call (`calls`) or before each part (`parts`), so a student can guess what comes next.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "speak/length_hint.hpp"
#include "speak/terminal.hpp"
#include "speak/text.hpp"
#include "sticky/codec.hpp"
#include "sticky/provenance.hpp"
#include "sticky/trace.hpp"

namespace speak {

enum class Pace { none, parts, calls };

class Narrator {
 public:
  // `narrate_io` may switch send/recv lines off while the trace keeps them. `pace` takes
  // effect only when stdin is a terminal (someone can press Enter).
  Narrator(std::FILE* out, bool colour, const std::atomic<bool>* narrate_io, Pace pace = Pace::none);

  // The trace listener. Copies share one state: the trace keeps a copy, the demo another.
  void operator()(const sticky::TraceEvent& event);
  // A demo's own output (an answer at the client's prompt), in order with the narration.
  void print(std::string text);
  // Prints what is pending (a run's last line) and waits until every queued line is out.
  void flush();
  // Off while the demo itself reads the terminal (a >> prompt): two readers of one stdin.
  void set_pausing(bool on);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// "client", "server#2" in the user's language ("客户端", "服务器#2"); other names as they are.
Text side_text(const std::string& who);

}  // namespace speak
