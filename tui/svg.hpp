// The model drawn a second way: a static SVG picture for the lessons — sends on the left,
// recvs on the right, time flowing down, every byte coloured and numbered by its message.
#pragma once

#include <string>

#include "model.hpp"

namespace view {

// The first `max_calls` calls (of the selected connection, if any) as an SVG document.
std::string to_svg(const Model& model, std::size_t max_calls = 24);

}  // namespace view
