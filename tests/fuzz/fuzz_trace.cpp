// The trace reader: any bytes give events or one TraceFormatError naming the line; every
// event read survives a write and a second read unchanged.
#include <sstream>
#include <string>

#include "sticky/trace_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<sticky::TraceEvent> events;
  try {
    events = sticky::read_trace(in);
  } catch (const sticky::TraceFormatError&) {
    return 0;
  }
  for (const auto& e : events) {
    auto again = sticky::parse_event(sticky::to_json_line(e));
    if (again.op != e.op || again.data != e.data || again.seq != e.seq || again.msg != e.msg || again.text != e.text ||
        again.facts.empty() != e.facts.empty() || again.extra.empty() != e.extra.empty())
      __builtin_trap();
  }
  return 0;
}
