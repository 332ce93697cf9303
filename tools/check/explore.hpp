// What both modes do alike with their plans: how many to run before a verdict (one of each
// family once it broke), which failure to shrink, the line that shows progress, and the
// pieces of a cut as the story shows them.
#pragma once

#include <string_view>
#include <vector>

#include "check/cuts.hpp"
#include "check/verdict.hpp"

namespace check {

// How many plans open the list, one of each family: enough to tell which family breaks it.
std::size_t first_round(const std::vector<Plan>& plans);
// Which failing plan to shrink: a named family before random cuts (its story reads better:
// "each header cut after byte 2"), then the one with fewer cuts.
bool shrink_first(const Plan& a, const Plan& b);
// "sticky-check: cut 3 of 37: header split  (1 broke it)"
speak::Text progress_line(std::size_t i, std::size_t planned, Family family, std::size_t broke);
// The pieces `cuts` make of `stream`, each with its first bytes and what it holds.
std::vector<PieceLine> piece_lines(const Layout& layout, std::string_view stream, const Cuts& cuts);

}  // namespace check
