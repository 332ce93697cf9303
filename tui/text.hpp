// What the viewer says to people goes through _(), so that it speaks the user's language
// (sticky/language.hpp); xgettext finds the strings by it (make pot).
#pragma once

#include "sticky/language.hpp"

namespace view {
inline const char* _(const char* english) { return sticky::translate(english); }
// Marks a text for translation where it is defined; _() translates it where it is shown.
constexpr const char* N_(const char* english) { return english; }
}  // namespace view
