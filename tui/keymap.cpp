#include "keymap.hpp"

#include "speak/language.hpp"
#include "speak/terminal.hpp"

#include <curses.h>  // key codes only: nothing here draws

#include <algorithm>
#include <cwchar>

namespace view {

using speak::_;
using speak::N_;

const std::vector<Binding>& keymap() {
  static const std::vector<Binding> table = {
      {Action::next, {' ', KEY_RIGHT, 'n', 'l'}, "space →", N_("next event"), N_("space next"), 9},
      {Action::back, {KEY_LEFT, 'b', 'h'}, "← b", N_("back one event"), N_("b back"), 8},
      {Action::home, {KEY_HOME, 'g'}, "Home g", N_("back to the start"), "", 0},
      {Action::end, {KEY_END, 'G'}, "End G", N_("jump to the end"), "", 0},
      {Action::play, {'p'}, "p", N_("play / pause"), N_("p play"), 7},
      {Action::faster, {'+', '='}, "+", N_("play faster"), N_("+/- speed"), 3},
      {Action::slower, {'-', '_'}, "-", N_("play slower"), "", 0},
      {Action::up, {KEY_UP, 'k'}, "↑", N_("select the previous call"), N_("↑↓ select"), 5},
      {Action::down, {KEY_DOWN, 'j'}, "↓", N_("select the next call"), "", 0},
      // The hex pane shows a few rows of the selected call; these reach every byte of it.
      {Action::hex_down, {KEY_NPAGE, ']'}, "PgDn ]", N_("scroll the hex pane down"), N_("PgDn hex"), 4},
      {Action::hex_up, {KEY_PPAGE, '['}, "PgUp [", N_("scroll the hex pane up"), "", 0},
      {Action::hex_first, {'<'}, "<", N_("the hex pane's first byte"), "", 0},
      {Action::hex_last, {'>'}, ">", N_("the hex pane's last byte"), "", 0},
      {Action::pane, {'\t'}, "tab", N_("switch pane"), N_("tab pane"), 2},
      {Action::connection, {'c'}, "c", N_("show one connection / all"), N_("c conn"), 1},
      {Action::choose, {'\n', KEY_ENTER}, "Enter", N_("start the chosen demo (start screen)"), "", 0},
      {Action::help, {'?'}, "?", N_("this help"), N_("? help"), 11},
      {Action::quit, {'q', 27}, "q Esc", N_("quit (in a demo from the list: back to the list)"), N_("q quit"), 12},
  };
  return table;
}

Action action_for(int key) {
  for (const auto& b : keymap())
    if (std::find(b.keys.begin(), b.keys.end(), key) != b.keys.end()) return b.action;
  return Action::none;
}


std::string key_bar(int width) {
  std::vector<const Binding*> shown;
  for (const auto& b : keymap())
    if (*b.bar) shown.push_back(&b);
  auto text = [&] {
    std::string out;
    for (const auto* b : shown) out += std::string(" ") + _(b->bar) + " ";
    return out;
  };
  while (!shown.empty() && static_cast<int>(speak::display_width(text())) > width) {
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
