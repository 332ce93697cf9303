// The trace: every send, recv and frame a demo makes, or a traced program made. Demos write
// it with --json; sticky-trace records it from real programs; sticky-view replays it; tests
// read it to check what the lessons claim. trace_json.hpp reads and writes it as JSON Lines:
//
//   {"seq":1,"t_us":0,"side":"client","conn":1,"op":"send","msg":1,"bytes":5,"data":"68656c6c6f"}
//   {"seq":4,"t_us":1210,"side":"server","conn":1,"op":"recv","want":1024,"bytes":14,"data":"…"}
//   {"seq":9,"t_us":2000,"op":"result","observed":true,"facts":{"sends":3,"recvs":1}}
//
// `msg` numbers application messages per direction, so a reader can colour every received
// byte by the message it came from (provenance.hpp does that).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sticky {

// What happened. `unknown` keeps an op a newer writer used; readers skip it.
enum class Op {
  meta,      // first event: format version, program, pid
  step,      // a narration heading
  note,      // a line of explanation
  call,      // a socketserver hook was called (demo 09)
  error,     // something failed; text says what
  result,    // the demo's verdict: observed + facts
  segments,  // TCP segments counted from TCP_INFO
  send,      // bytes handed to the kernel
  recv,      // bytes the kernel returned (none: end of stream, or an empty datagram)
  frame,     // a message the application decoded from the stream
  connect, accept, bind, listen, shutdown, close,  // recorded from real programs
  unknown,
};

// Who made the call in a demo. Programs recorded by sticky-trace have no side: they are
// told apart by `program` and `pid`.
enum class Side { none, client, server, relay };

// Which way a relay moved bytes: up is client to server.
enum class Direction { none, up, down };

std::string_view to_string(Op op);
std::string_view to_string(Side side);
std::string_view to_string(Direction direction);
Side other_side(Side side);  // client <-> server

struct TraceEvent {
  std::uint64_t seq = 0;
  std::int64_t t_us = 0;
  Op op = Op::note;
  Side side = Side::none;
  std::optional<int> conn;          // connection number within the run (per side, per pid)
  std::optional<std::uint64_t> msg;
  std::optional<std::uint64_t> want;
  std::string data;                 // the bytes moved; "bytes" in JSON is data.size() + data_left_out
  std::uint64_t data_left_out = 0;  // bytes moved but not kept (sticky-trace --max-data)
  std::string text;                 // note, step, call, error, result
  std::optional<bool> observed;     // result
  Direction direction = Direction::none;  // relay events
  // Datagrams keep their boundaries: each one is a message of its own.
  bool datagram = false;
  bool truncated = false;           // a datagram cut short by a small buffer
  std::optional<std::uint64_t> full_size;
  std::string codec;                // frame events: the codec (codec_spec.hpp), so no reader guesses
  // Recorded from real programs (sticky-trace).
  std::optional<long> pid;
  std::string program;              // program name or --label
  std::string function;             // the libc call made: "recvfrom", "readv", ...
  std::string local, peer;          // "HOST:PORT" or "unix:PATH"
  std::string error_name;           // "EAGAIN": the call failed with this errno
  // Anything else, as JSON object text ("" if none): result facts, and fields or ops this
  // version does not know, kept so that a trace read and written again loses nothing.
  std::string facts;
  std::string unknown_op;
  std::string extra;

  bool moves_bytes() const { return op == Op::send || op == Op::recv || op == Op::frame; }
  std::uint64_t bytes() const { return data.size() + data_left_out; }
};

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

}  // namespace sticky
