// The viewer's model, free of curses so tests drive it without a terminal: the events in
// order, which message every received byte came from, how far the class has stepped, which
// call is selected, and — for framed scenarios — the decoder's state after each recv.
// The view draws from it; keys change it; nothing else changes the screen.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <optional>
#include <string>
#include <vector>

#include "sticky/provenance.hpp"
#include "sticky/trace.hpp"

namespace view {

// A run of bytes from one message, within its call's data. msg 0: bytes nobody recorded
// sending.
struct Span {
  std::uint64_t msg;
  std::uint32_t begin, size;
  bool starts_message;
  bool ends_message;
};

// One send or recv, ready to draw. Where its bytes came from, and what it means, is lib's
// provenance model's to say (sticky/provenance.hpp); the model only keeps it.
struct Call {
  std::size_t event;      // index of the event
  int conn = 0;
  bool is_send = false;
  bool truncated = false; // a datagram cut short
  bool datagram = false;
  bool end_of_stream = false;
  const std::string* who = nullptr;    // interned: a million calls share a few names
  const std::string* what = nullptr;
  std::string origin;     // "messages 1–3", "end of stream: the peer closed", "an empty datagram …"
  std::string data;         // what the trace kept of the bytes moved
  std::uint64_t moved = 0;  // how many bytes the call moved (sticky-trace --max-data keeps fewer)
  std::vector<Span> spans;

  const std::string& side() const { return *who; }    // "client", "server#2", "client.py [1234]" (a traced script)
  const std::string& label() const { return *what; }  // "send", "recv(1024)", "relay read"
  std::string_view bytes(const Span& s) const { return std::string_view(data).substr(s.begin, s.size); }
};

// What a length-prefix decoder holds after a recv: how much of the header it has seen,
// the length it expects, the bytes it buffers, the frames it has completed.
struct DecoderState {
  std::size_t header_seen = 0;
  std::size_t header_size = 4;
  std::optional<std::uint64_t> expected;
  std::size_t buffered = 0;
  std::uint64_t frames = 0;
  std::string codec;      // the codec's description, from the trace
  std::string error;
};

class Model {
 public:
  // Appends one event (a replay, a demo's --json line, the relay's trace, a traced program).
  void add(sticky::TraceEvent event);
  // Appends what a source read at once (a replay: a 4 MiB batch of its file), room made first.
  void add(std::vector<sticky::TraceEvent> events);
  void set_title(std::string title, std::string claim);

  std::size_t event_count() const { return steps_.size(); }
  const std::vector<Call>& calls() const { return calls_; }
  const std::string& title() const { return title_; }
  const std::string& claim() const { return claim_; }

  // Stepping: the first shown() events are on screen.
  std::size_t shown() const { return shown_; }
  void next();
  void back();
  void home();
  void end();
  bool at_end() const { return shown_ >= steps_.size(); }
  // Calls among the shown events; the heading, note and result in force at this step.
  std::vector<std::size_t> visible_calls() const;
  std::size_t visible_end() const;  // calls [0, visible_end()) belong to shown events
  std::optional<std::size_t> previous_visible(std::size_t before) const;  // passing the filter
  std::optional<std::size_t> next_visible(std::size_t after) const;
  std::string heading() const;
  std::string note() const;
  std::optional<std::string> result() const;  // the result's summary, once shown

  // Selection: one of the visible calls. It follows the newest call as you step.
  std::optional<std::size_t> selected() const;  // index into calls()
  void select_previous();
  void select_next();

  // Connection filter ("switch connection" in a proxy): 0 = all.
  int connection() const { return conn_filter_; }
  void next_connection();
  std::vector<int> connections() const;

  // For a recv of a stream the application framed with a length prefix; nullopt otherwise.
  std::optional<DecoderState> decoder_after(std::size_t call) const;

 private:
  bool passes_filter(const Call& c) const { return conn_filter_ == 0 || c.conn == conn_filter_; }
  void reselect();

  // What the model keeps of each event: a million of them fit in a few megabytes.
  struct Step {
    sticky::Op op;
    std::int32_t call = -1;  // index into calls_
    std::int32_t text = -1;  // index into texts_
  };
  const std::string& intern(const std::string& text);
  std::vector<Step> steps_;
  std::vector<std::string> texts_;
  std::vector<Call> calls_;
  std::set<std::string> names_;
  std::string title_, claim_;
  std::size_t shown_ = 0;
  std::optional<std::size_t> selected_;
  bool selection_pinned_ = false;
  int conn_filter_ = 0;
  sticky::ProvenanceModel provenance_;
  std::map<std::pair<int, std::string>, std::string> frame_codec_;  // (conn, receiver) -> codec words
};

// "01" -> the lesson's title and its first claim, read from lessons/01-*.md ("" if absent).
struct LessonInfo {
  std::string name;   // "01-nagle-merge"
  std::string title;  // "Three sends, one recv — 粘包 (sticky packets)"
  std::string claim;  // the first claim's text
};
std::vector<LessonInfo> read_lessons(const std::string& folder);

}  // namespace view
