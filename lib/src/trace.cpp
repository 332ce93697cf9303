#include "sticky/trace.hpp"

#include <istream>
#include <ostream>

#include "sticky/bytes.hpp"

namespace sticky {

nlohmann::json to_json(const TraceEvent& e) {
  nlohmann::json j;
  j["seq"] = e.seq;
  j["t_us"] = e.t_us;
  if (!e.side.empty()) j["side"] = e.side;
  if (e.conn) j["conn"] = *e.conn;
  j["op"] = e.op;
  if (e.msg) j["msg"] = *e.msg;
  if (e.want) j["want"] = *e.want;
  if (e.moves_bytes() || !e.data.empty()) {
    j["bytes"] = e.data.size();
    j["data"] = to_hex(e.data);
  }
  if (!e.text.empty()) j["text"] = e.text;
  if (e.observed) j["observed"] = *e.observed;
  if (!e.facts.is_null()) j["facts"] = e.facts;
  return j;
}

namespace {
template <typename T>
std::optional<T> optional_field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}
}  // namespace

TraceEvent event_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("an event must be a JSON object");
  TraceEvent e;
  try {
    e.op = j.at("op").get<std::string>();
    e.seq = j.value("seq", std::uint64_t{0});
    e.t_us = j.value("t_us", std::int64_t{0});
    e.side = j.value("side", std::string{});
    e.conn = optional_field<int>(j, "conn");
    e.msg = optional_field<std::uint64_t>(j, "msg");
    e.want = optional_field<std::uint64_t>(j, "want");
    e.text = j.value("text", std::string{});
    e.observed = optional_field<bool>(j, "observed");
    if (auto it = j.find("facts"); it != j.end()) e.facts = *it;
    if (auto it = j.find("data"); it != j.end()) e.data = from_hex(it->get<std::string>());
  } catch (const nlohmann::json::exception& error) {
    throw std::invalid_argument(error.what());
  }
  if (auto it = j.find("bytes"); it != j.end() && it->is_number_unsigned() && e.moves_bytes() &&
                                 it->get<std::uint64_t>() != e.data.size())
    throw std::invalid_argument("\"bytes\" does not match the length of \"data\"");
  return e;
}

std::vector<TraceEvent> read_trace(std::istream& in) {
  std::vector<TraceEvent> events;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      events.push_back(event_from_json(nlohmann::json::parse(line)));
    } catch (const std::exception& error) {
      throw std::invalid_argument("line " + std::to_string(number) + ": " + error.what());
    }
  }
  return events;
}

Trace::Trace() : start_(std::chrono::steady_clock::now()) {}

void Trace::add_listener(Listener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

TraceEvent Trace::record(TraceEvent event) {
  std::lock_guard lock(mutex_);
  event.seq = next_seq_++;
  if (event.t_us == 0)
    event.t_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_)
                     .count();
  events_.push_back(event);
  // Listeners run under the lock so that lines from two threads never interleave.
  for (auto& listener : listeners_) listener(event);
  return event;
}

std::vector<TraceEvent> Trace::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

Trace::Listener json_lines_writer(std::ostream& out) {
  return [&out](const TraceEvent& e) { out << to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n' << std::flush; };
}

}  // namespace sticky
