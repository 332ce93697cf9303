// A verdict for people — numbered steps, the first one that went wrong, why, the fix, the
// lesson, the replay — in the user's language, or as one JSON object (English: JSON never
// changes with the language; its "report" field carries the text as the user reads it).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "learn/exercise.hpp"
#include "learn/judge.hpp"

namespace learn {

std::string render_text(const Verdict& verdict, const Exercise& exercise, bool colour, std::size_t width = 80);
nlohmann::json render_json(const Verdict& verdict, const Exercise& exercise, const std::string& text);

// lessons/05-struct-prefix.md, or lessons/zh/05-struct-prefix.md for a Chinese reader.
std::string lesson_path(const Exercise& exercise, bool chinese);
// "Exercise 05 · Struct headers both ways (lesson 05)"
speak::Text heading(const Exercise& exercise);

}  // namespace learn
