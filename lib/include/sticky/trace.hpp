// The trace: every send, recv and frame a demo makes, as JSON Lines. Demos write it with
// --json; sticky-view replays it; tests read it to check what the lessons claim.
//
//   {"seq":1,"t_us":0,"side":"client","conn":1,"op":"send","msg":1,"bytes":5,"data":"68656c6c6f"}
//   {"seq":4,"t_us":1210,"side":"server","conn":1,"op":"recv","want":1024,"bytes":14,"data":"…"}
//   {"seq":9,"t_us":2000,"op":"result","observed":true,"facts":{"sends":3,"recvs":1}}
//
// `data` is lowercase hex. `msg` numbers application messages per direction, so a viewer can
// colour every received byte by the message it came from.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sticky {

struct TraceEvent {
  std::uint64_t seq = 0;
  std::int64_t t_us = 0;
  std::string side;                // "client", "server", "relay"; empty for the whole run
  std::optional<int> conn;         // connection number within the run
  std::string op;                  // send recv frame note step call segments error result
  std::optional<std::uint64_t> msg;
  std::optional<std::uint64_t> want;
  std::string data;                // raw bytes; "bytes" in JSON is data.size()
  std::string text;                // note, step, call, error
  std::optional<bool> observed;    // result
  nlohmann::json facts;            // result, segments: anything else worth keeping

  bool moves_bytes() const { return op == "send" || op == "recv" || op == "frame"; }
};

nlohmann::json to_json(const TraceEvent& event);
// Throws std::invalid_argument naming the field that is missing or of the wrong type.
TraceEvent event_from_json(const nlohmann::json& j);

// Reads JSON Lines. Blank lines are skipped; a bad line throws std::invalid_argument
// "line N: why".
std::vector<TraceEvent> read_trace(std::istream& in);

// Records events from any thread: numbers them, stamps the time since the trace started,
// keeps them, and hands each to the listeners (a JSON writer, a narrator, a viewer).
class Trace {
 public:
  using Listener = std::function<void(const TraceEvent&)>;

  Trace();
  void add_listener(Listener listener);
  // Stamps seq and t_us (unless already set by a replay) and returns the stamped copy.
  TraceEvent record(TraceEvent event);
  std::vector<TraceEvent> events() const;

 private:
  mutable std::mutex mutex_;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t next_seq_ = 1;
  std::vector<TraceEvent> events_;
  std::vector<Listener> listeners_;
};

// A listener that writes each event as one JSON line and flushes, so a reader sees it live.
Trace::Listener json_lines_writer(std::ostream& out);

}  // namespace sticky
