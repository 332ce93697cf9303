// The viewer's keys as a browser names them (KeyboardEvent.key): the keymap is written in
// curses key codes, and curses.h stays out of the file that builds the page (its macros
// would meet the standard library's names there).
#include "html_keys.hpp"

#include <curses.h>  // key codes only: nothing here draws

namespace view {

std::vector<std::string> browser_keys(const std::vector<int>& curses_keys) {
  std::vector<std::string> out;
  for (int key : curses_keys) {
    switch (key) {
      case KEY_RIGHT: out.emplace_back("ArrowRight"); break;
      case KEY_LEFT: out.emplace_back("ArrowLeft"); break;
      case KEY_UP: out.emplace_back("ArrowUp"); break;
      case KEY_DOWN: out.emplace_back("ArrowDown"); break;
      case KEY_HOME: out.emplace_back("Home"); break;
      case KEY_END: out.emplace_back("End"); break;
      case KEY_ENTER:
      case '\n': out.emplace_back("Enter"); break;
      case '\t': out.emplace_back("Tab"); break;
      case 27: out.emplace_back("Escape"); break;
      default:
        if (key > 0x20 && key < 0x7f) out.emplace_back(1, static_cast<char>(key));
        else if (key == ' ') out.emplace_back(" ");
    }
  }
  return out;
}

}  // namespace view
