// The curses side of sticky-view: a Screen made of panels — title, calls, hex, decoder,
// status, key bar, help — each drawing itself from the model and the Ui. Input changes the
// model; the screen is drawn from the model and nothing else.
#pragma once

#include <string>
#include <vector>

#include "keymap.hpp"
#include "model.hpp"

namespace view {

constexpr int kNoKey = -1;  // read_key: nothing was pressed (curses ERR)


// What the viewer shows besides the model.
struct Ui {
  bool playing = false;
  int speed = 2;            // events per second while playing
  int pane = 0;             // 0 sent, 1 received, 2 hex
  std::size_t hex_line = 0; // the hex pane's first line (16 bytes a line) of the selected call
  bool help = false;
  std::string source;       // "replay trace.jsonl", "demo 01", "proxy :9100 -> 127.0.0.1:9005"
  std::string status;       // a line for the moment: errors, "demo finished"
};

class Screen {
 public:
  Screen(bool colour, bool from_tty_device);  // initscr (or newterm on /dev/tty)
  ~Screen();                                  // restores the terminal
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;
  int read_key(int timeout_ms);               // ERR when nothing came
  void draw(const Model& model, const Ui& ui);
  // How many lines the hex pane showed in the last draw (a page for PgDn / PgUp).
  std::size_t hex_shown() const { return hex_shown_; }
  // The start screen: demos with their lesson titles; returns the chosen index or -1.
  void draw_menu(const std::vector<LessonInfo>& lessons, int selected);

 private:
  bool colour_;
  std::size_t hex_shown_ = 0;
};

}  // namespace view
