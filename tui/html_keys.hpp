// The keymap's curses key codes as a browser names them: KEY_RIGHT -> "ArrowRight", ' ' -> " ".
#pragma once

#include <string>
#include <vector>

namespace view {

std::vector<std::string> browser_keys(const std::vector<int>& curses_keys);

}  // namespace view
