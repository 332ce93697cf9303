// The trace as JSON Lines: one event a line, as written by demos (--json), the relay
// (--trace), sticky-trace and the viewer's proxy. Kept apart from trace.hpp so that the
// headers a student reads first do not pull in a JSON library.
//
//   sticky::Trace trace;
//   trace.add_listener(sticky::json_lines_writer(std::cout));   // each event, flushed
//   auto events = sticky::read_trace(file);                     // TraceFormatError "line 7: ..."
//
// Ops and fields this version does not know are kept (TraceEvent::unknown_op, ::extra) and
// written back unchanged, so a newer trace opens in an older viewer.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sticky/trace.hpp"

namespace sticky {

// A line that is not an event. what(): "line N: why". Bad data, not bad usage: a
// runtime_error.
class TraceFormatError : public std::runtime_error {
 public:
  TraceFormatError(std::size_t line, const std::string& why);
  std::size_t line() const noexcept { return line_; }

 private:
  std::size_t line_;
};

inline constexpr std::size_t kMaxTraceLine = 64u << 20;  // a longer line is refused, unread

// One event as one line of JSON, without the newline.
std::string to_json_line(const TraceEvent& event);
// Throws std::invalid_argument naming the field that is missing or of the wrong type.
TraceEvent parse_event(std::string_view line);

// Reads JSON Lines to the end. Blank lines are skipped; a bad line throws TraceFormatError.
std::vector<TraceEvent> read_trace(std::istream& in);

// Reads a trace that may still be growing (sticky-view --follow): feed() what arrived,
// take whole events out; a partial last line waits for its end.
class TraceLineReader {
 public:
  void feed(std::string_view bytes);               // TraceFormatError on a line over the limit
  std::vector<TraceEvent> take();                  // TraceFormatError on a bad line
  std::size_t lines() const noexcept { return line_; }

 private:
  std::string pending_;
  std::vector<std::string> complete_;
  std::size_t line_ = 0;
};

// A listener that writes each event as one JSON line and flushes, so a reader sees it live.
Trace::Listener json_lines_writer(std::ostream& out);

}  // namespace sticky
