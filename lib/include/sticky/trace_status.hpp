// What sticky-trace (the launcher) and the recorder in every traced process share: the
// environment variables that configure the recorder, and a small file mapped by all of
// them, where each process counts what it recorded and what it could not write. The
// launcher reads it when the command exits to say "no socket calls were recorded" or
// "could not write the trace".
#pragma once

#include <atomic>
#include <cstdint>

namespace sticky_trace {

inline constexpr const char* kFileVariable = "STICKY_TRACE_FILE";        // absolute path
inline constexpr const char* kMaxDataVariable = "STICKY_TRACE_MAX_DATA";  // bytes of data kept per call
inline constexpr const char* kLabelVariable = "STICKY_TRACE_LABEL";       // prog and side of every event
inline constexpr const char* kStatusVariable = "STICKY_TRACE_STATUS";     // path of the shared status file
inline constexpr const char* kDefaultFile = "sticky-trace.jsonl";
inline constexpr std::uint64_t kDefaultMaxData = 4096;

// The status file's contents (it is one page; only this prefix is used).
struct SharedStatus {
  std::atomic<std::uint64_t> events;      // lines written, meta lines not counted
  std::atomic<std::uint64_t> lost;        // lines that could not be written
  std::atomic<std::uint64_t> processes;   // meta lines written: processes that made a socket call
  std::atomic<int> first_error;           // errno of the first failed open or write
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the counters are shared between processes through a mapped file");

}  // namespace sticky_trace
