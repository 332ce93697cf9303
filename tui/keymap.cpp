#include "keymap.hpp"

#include <curses.h>  // key codes only: nothing here draws

#include <algorithm>
#include <cwchar>

namespace view {

const std::vector<Binding>& keymap() {
  static const std::vector<Binding> table = {
      {Action::next, {' ', KEY_RIGHT, 'n', 'l'}, "space →", "next event", "space next", 9},
      {Action::back, {KEY_LEFT, 'b', 'h'}, "← b", "back one event", "b back", 8},
      {Action::home, {KEY_HOME, 'g'}, "Home g", "back to the start", "", 0},
      {Action::end, {KEY_END, 'G'}, "End G", "jump to the end", "", 0},
      {Action::play, {'p'}, "p", "play / pause", "p play", 7},
      {Action::faster, {'+', '='}, "+", "play faster", "+/- speed", 3},
      {Action::slower, {'-', '_'}, "-", "play slower", "", 0},
      {Action::up, {KEY_UP, 'k'}, "↑", "select the previous call", "↑↓ select", 5},
      {Action::down, {KEY_DOWN, 'j'}, "↓", "select the next call", "", 0},
      {Action::pane, {'\t'}, "tab", "switch pane", "tab pane", 2},
      {Action::connection, {'c'}, "c", "show one connection / all", "c conn", 1},
      {Action::choose, {'\n', KEY_ENTER}, "Enter", "start the chosen demo (start screen)", "", 0},
      {Action::help, {'?'}, "?", "this help", "? help", 11},
      {Action::quit, {'q', 27}, "q Esc", "quit (in a demo from the list: back to the list)", "q quit", 12},
  };
  return table;
}

Action action_for(int key) {
  for (const auto& b : keymap())
    if (std::find(b.keys.begin(), b.keys.end(), key) != b.keys.end()) return b.action;
  return Action::none;
}

namespace {
int columns(const std::string& text) {  // UTF-8 arrows take one column, three bytes
  int n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}
}  // namespace

std::string key_bar(int width) {
  std::vector<const Binding*> shown;
  for (const auto& b : keymap())
    if (*b.bar) shown.push_back(&b);
  auto text = [&] {
    std::string out;
    for (const auto* b : shown) out += std::string(" ") + b->bar + " ";
    return out;
  };
  while (!shown.empty() && columns(text()) > width) {
    auto lowest = std::min_element(shown.begin(), shown.end(), [](auto* a, auto* b) { return a->keep < b->keep; });
    shown.erase(lowest);
  }
  return text();
}

std::string key_list() {
  std::string out;
  for (const auto& b : keymap()) out += (out.empty() ? "" : ", ") + std::string(b.keys_text) + " " + b.help;
  return out;
}

}  // namespace view
