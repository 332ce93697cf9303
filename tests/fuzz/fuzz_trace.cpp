// The trace reader: any bytes give events or one std::invalid_argument naming the line;
// every event read survives a write and a second read unchanged.
#include <sstream>
#include <string>

#include "sticky/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<sticky::TraceEvent> events;
  try {
    events = sticky::read_trace(in);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  for (const auto& e : events) {
    auto again = sticky::event_from_json(nlohmann::json::parse(
        sticky::to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    if (again.op != e.op || again.data != e.data || again.seq != e.seq || again.msg != e.msg) __builtin_trap();
  }
  return 0;
}
