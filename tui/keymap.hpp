// Every key of sticky-view in one table: what it does, its keys, its help line and its place
// in the key bar. The help overlay, the key bar and the README's key list are made from it
// (a test checks the README), so keys and what they are said to do never disagree.
#pragma once

#include <string>
#include <vector>

namespace view {

enum class Action {
  none, next, back, home, end, play, faster, slower, up, down, hex_down, hex_up, hex_first, hex_last,
  pane, connection, help, quit, choose
};

struct Binding {
  Action action;
  std::vector<int> keys;   // curses key codes
  const char* keys_text;   // "space →"
  const char* help;        // "next event"
  const char* bar;         // in the key bar ("" = not shown there): "space next"
  int keep;                // the key bar drops the lowest first when the screen is narrow
};

const std::vector<Binding>& keymap();
Action action_for(int key);

// The key bar for a screen `width` columns wide: as many entries as fit, help and quit last
// to go.
std::string key_bar(int width);
// The README's line: "space → next event, ← b back one event, …".
std::string key_list();

}  // namespace view
