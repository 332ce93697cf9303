#include "check/explore.hpp"

#include <algorithm>

namespace check {

std::size_t first_round(const std::vector<Plan>& plans) {
  std::vector<Family> seen;
  for (const auto& p : plans)
    if (std::find(seen.begin(), seen.end(), p.family) == seen.end()) seen.push_back(p.family);
  return seen.size();
}

bool shrink_first(const Plan& a, const Plan& b) {
  bool ra = a.family == Family::random, rb = b.family == Family::random;
  if (ra != rb) return rb;
  return a.cuts.size() < b.cuts.size();
}

speak::Text progress_line(std::size_t i, std::size_t planned, Family family, std::size_t broke) {
  speak::Text line = speak::tr("sticky-check: cut {} of {}: {}", i + 1, planned, family_text(family));
  return broke ? speak::plus(line, speak::tr("  ({} broke it)", broke)) : line;
}

std::vector<PieceLine> piece_lines(const Layout& layout, std::string_view stream, const Cuts& cuts) {
  std::vector<PieceLine> lines;
  for (auto [begin, end] : pieces(cuts, stream.size()))
    lines.push_back({begin, end, std::string(stream.substr(begin, std::min<std::uint64_t>(16, end - begin))),
                     describe_span_text(layout, begin, end)});
  return lines;
}

}  // namespace check
