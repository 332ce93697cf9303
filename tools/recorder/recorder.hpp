// The recorder inside every traced process: it turns one socket call into one JSON line and
// appends it to the trace file with one write(), so lines from many threads and processes
// sharing the file never tear. The interposed functions (interpose.cpp) describe each call
// in an Event; everything else — process identity, the meta line, the trace file, the
// shared status — lives here.
//
// Rules every path follows, because it runs inside someone else's program:
// - errno is the program's: whatever we do between the real call and the return, the
//   caller sees the errno the real call left.
// - no lock is held across the real call, nothing here allocates with malloc, nothing
//   uses stdio: a line is formatted on the stack, or in a per-thread buffer mapped with
//   mmap when the data is large, so a signal handler can record too.
// - nothing here can make the program fail: a trace file that cannot be opened or written
//   loses the line, is counted in the shared status, and the program goes on.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>

#include "fd_table.hpp"

namespace sticky_trace {

struct Event {
  const char* op = nullptr;    // connect accept bind listen send recv shutdown close
  const char* call = nullptr;  // the C library function the program called
  int fd = -1;
  SocketInfo socket;
  std::int64_t start_us = 0;   // CLOCK_MONOTONIC when the call was entered ...
  std::int64_t end_us = 0;     // ... and when it returned
  bool stamp_at_end = false;   // calls that take (recv, accept) are stamped when they return
  std::int64_t want = -1;      // the size asked; -1 when the call has none
  std::int64_t result = 0;     // the return value
  bool moves_bytes = false;    // result is a byte count (send, recv)
  int error = 0;               // errno of a failed call (result < 0)
  const iovec* iov = nullptr;  // the bytes moved are the first `result` bytes of these
  int iov_count = 0;
  const char* local = nullptr;  // formatted addresses (address.hpp), or null
  const char* peer = nullptr;
  int flags = 0;               // MSG_* flags passed
  const char* how = nullptr;   // shutdown: SHUT_RD, SHUT_WR, SHUT_RDWR
  int backlog = -1;            // listen
  int listen_fd = -1;          // accept: the listening socket
  std::uint32_t listen_conn = 0;
  bool truncated = false;      // a datagram longer than the buffer (MSG_TRUNC came back)
};

// Initialises the recorder on first use (resolving the real functions, reading the
// configuration) and says whether calls can be recorded now: false for calls that our own
// initialisation makes (dlsym may call calloc, which may call read).
bool recorder_ready();

// True in the process the recorder knows: the program itself, or a child made by fork().
// False in a vfork() child, which borrows its parent's memory until it execs (Python's
// subprocess closes and dup2s fds there): the wrappers then change none of our state.
bool own_process();

// Microseconds of CLOCK_MONOTONIC: one clock for every process on the machine.
std::int64_t now_us();

// Writes one event. Preserves errno.
void record(const Event& event);

// The program is about to close or replace these fds: if the trace file's fd is among
// them, let go of it (it is re-opened, elsewhere, for the next line).
void release_trace_fd(int fd);
void release_trace_fd_range(unsigned first, unsigned last);

// Defined in interpose.cpp: looks up the next definition of every interposed function.
void resolve_real_functions();

}  // namespace sticky_trace
