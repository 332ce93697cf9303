#include "sticky/trace_json.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <istream>
#include <ostream>
#include <utility>

#include "sticky/bytes.hpp"

namespace sticky {

namespace {

using nlohmann::json;

constexpr std::array kOps{Op::meta,    Op::step,   Op::note,   Op::call,   Op::error,    Op::result,
                          Op::segments, Op::send,  Op::recv,   Op::frame,  Op::connect,  Op::accept,
                          Op::bind,    Op::listen, Op::shutdown, Op::close};

// The one place where an op's name becomes an Op.
Op op_from_name(std::string_view name) {
  for (Op op : kOps)
    if (to_string(op) == name) return op;
  return Op::unknown;
}

Side side_from_name(std::string_view name) {
  for (Side s : {Side::client, Side::server, Side::relay})
    if (to_string(s) == name) return s;
  return Side::none;
}

// Fields this version reads; everything else goes to TraceEvent::extra.
constexpr std::array<std::string_view, 25> kKnown{
    "seq",  "t_us",      "op",   "side",     "conn",      "msg",   "want",   "bytes", "data",
    "data_left_out", "text", "observed", "dir",  "datagram", "truncated", "full_size", "codec",
    "pid",  "program",   "prog", "call",     "local",     "peer",  "errno",  "facts"};

bool known(std::string_view key) {
  for (auto k : kKnown)
    if (k == key) return true;
  return false;
}

template <typename T>
std::optional<T> optional_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

std::string string_field(const json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? std::string{} : it->get<std::string>();
}

}  // namespace

TraceFormatError::TraceFormatError(std::size_t line, const std::string& why)
    : std::runtime_error("line " + std::to_string(line) + ": " + why), line_(line) {}

std::string to_json_line(const TraceEvent& e) {
  json j = e.extra.empty() ? json::object() : json::parse(e.extra, nullptr, false);
  if (!j.is_object()) j = json::object();
  j["seq"] = e.seq;
  j["t_us"] = e.t_us;
  if (e.side != Side::none) j["side"] = to_string(e.side);
  if (e.conn) j["conn"] = *e.conn;
  j["op"] = e.op == Op::unknown ? e.unknown_op : std::string(to_string(e.op));
  if (e.direction != Direction::none) j["dir"] = to_string(e.direction);
  if (e.msg) j["msg"] = *e.msg;
  if (e.want) j["want"] = *e.want;
  if (e.moves_bytes() || !e.data.empty() || e.data_left_out) {
    j["bytes"] = e.bytes();
    j["data"] = to_hex(e.data);
    if (e.data_left_out) j["data_left_out"] = e.data_left_out;
  }
  if (e.datagram) j["datagram"] = true;
  if (e.truncated) j["truncated"] = true;
  if (e.full_size) j["full_size"] = *e.full_size;
  if (!e.codec.empty()) j["codec"] = e.codec;
  if (!e.text.empty()) j["text"] = e.text;
  if (e.observed) j["observed"] = *e.observed;
  if (e.pid) j["pid"] = *e.pid;
  if (!e.program.empty()) j["program"] = e.program;
  if (!e.function.empty()) j["call"] = e.function;
  if (!e.local.empty()) j["local"] = e.local;
  if (!e.peer.empty()) j["peer"] = e.peer;
  if (!e.error_name.empty()) j["errno"] = e.error_name;
  if (!e.facts.empty()) j["facts"] = json::parse(e.facts, nullptr, false);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

TraceEvent parse_event(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded()) throw std::invalid_argument("not JSON");
  if (!j.is_object()) throw std::invalid_argument("an event must be a JSON object");
  TraceEvent e;
  try {
    std::string op = j.at("op").get<std::string>();
    e.op = op_from_name(op);
    if (e.op == Op::unknown) e.unknown_op = op;
    e.seq = j.value("seq", std::uint64_t{0});
    e.t_us = j.value("t_us", std::int64_t{0});
    std::string side = string_field(j, "side");
    e.side = side_from_name(side);
    e.conn = optional_field<int>(j, "conn");
    e.msg = optional_field<std::uint64_t>(j, "msg");
    e.want = optional_field<std::uint64_t>(j, "want");
    e.text = string_field(j, "text");
    e.observed = optional_field<bool>(j, "observed");
    e.data_left_out = j.value("data_left_out", std::uint64_t{0});
    std::string dir = string_field(j, "dir");
    // Older relay traces said the direction in "text".
    if (dir.empty() && e.side == Side::relay && (e.text == "up" || e.text == "down")) std::swap(dir, e.text);
    e.direction = dir == "up" ? Direction::up : dir == "down" ? Direction::down : Direction::none;
    e.codec = string_field(j, "codec");
    e.pid = optional_field<long>(j, "pid");
    e.program = string_field(j, "program");
    if (e.program.empty()) e.program = string_field(j, "prog");
    if (e.program.empty() && e.side == Side::none) e.program = side;  // a traced program's label
    e.function = string_field(j, "call");
    e.local = string_field(j, "local");
    e.peer = string_field(j, "peer");
    e.error_name = string_field(j, "errno");
    if (auto it = j.find("data"); it != j.end() && !it->is_null()) e.data = from_hex(it->get<std::string>());
    // Datagram flags: top level, or inside facts as older demos wrote them.
    const json* facts = j.contains("facts") && j["facts"].is_object() ? &j["facts"] : nullptr;
    auto flag = [&](const char* name) {
      if (j.contains(name)) return j[name].get<bool>();
      return facts && e.moves_bytes() && facts->contains(name) && (*facts)[name].get<bool>();
    };
    e.datagram = flag("datagram");
    e.truncated = flag("truncated");
    e.full_size = optional_field<std::uint64_t>(j, "full_size");
    if (!e.full_size && facts && e.moves_bytes() && facts->contains("full_size"))
      e.full_size = (*facts)["full_size"].get<std::uint64_t>();
    if (auto it = j.find("facts"); it != j.end() && !it->is_null()) e.facts = it->dump();
    json extra = json::object();
    for (auto& [key, value] : j.items())
      if (!known(key)) extra[key] = value;
    if (!extra.empty()) e.extra = extra.dump();
  } catch (const json::exception& error) {
    // nlohmann's text starts "[json.exception.type_error.302] "; the rest is the reason.
    std::string why = error.what();
    auto bracket = why.find("] ");
    throw std::invalid_argument(bracket == std::string::npos ? why : why.substr(bracket + 2));
  }
  if (auto it = j.find("bytes"); it != j.end() && it->is_number_unsigned() && e.moves_bytes() &&
                                 it->get<std::uint64_t>() != e.bytes())
    throw std::invalid_argument("\"bytes\" does not match the length of \"data\"");
  return e;
}

void TraceLineReader::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    std::string_view part = bytes.substr(0, nl);
    if (pending_.size() + part.size() > kMaxTraceLine)
      throw TraceFormatError(line_ + complete_.size() + 1,
                             "longer than " + std::to_string(kMaxTraceLine >> 20) + " MiB: not a trace line");
    pending_.append(part);
    if (nl == std::string_view::npos) break;
    complete_.push_back(std::move(pending_));
    pending_.clear();
    bytes.remove_prefix(nl + 1);
  }
}

std::vector<TraceEvent> TraceLineReader::take() {
  std::vector<TraceEvent> events;
  events.reserve(complete_.size());
  std::size_t used = 0;
  try {
    for (const auto& line : complete_) {
      ++line_;
      ++used;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      events.push_back(parse_event(line));
    }
  } catch (const std::invalid_argument& error) {
    complete_.erase(complete_.begin(), complete_.begin() + static_cast<std::ptrdiff_t>(used));
    throw TraceFormatError(line_, error.what());
  }
  complete_.clear();
  return events;
}

std::vector<TraceEvent> read_trace(std::istream& in) {
  TraceLineReader reader;
  std::vector<TraceEvent> events;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    reader.feed(std::string_view(chunk, static_cast<std::size_t>(in.gcount())));
    for (auto& e : reader.take()) events.push_back(std::move(e));
  }
  reader.feed("\n");  // a last line without its newline
  for (auto& e : reader.take()) events.push_back(std::move(e));
  return events;
}

Trace::Listener json_lines_writer(std::ostream& out) {
  return [&out](const TraceEvent& e) { out << to_json_line(e) << '\n' << std::flush; };
}

}  // namespace sticky
