// A sticky-check report for people (80 columns, colour optional, in the user's language) or
// one JSON object (English, for programs). Nothing in the text depends on timing, so the
// same seed prints the same report.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "check/verdict.hpp"

namespace check {

std::string render_text(const Report& report, bool colour);
nlohmann::json render_json(const Report& report);

}  // namespace check
