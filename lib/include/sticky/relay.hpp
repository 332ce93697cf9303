// A TCP relay that listens on one address and forwards every connection to a target,
// reshaping the byte stream on the way: cut it into small pieces (拆包 on demand), hold it
// and forward it in one go (粘包 on demand), or delay it like a long link. The bytes and
// their order never change — only where the receiver's recv() calls find the boundaries.
//
//   sticky::RelayOptions options;
//   options.listen = sticky::Address::parse("127.0.0.1:0");
//   options.target = server_address;
//   options.to_server.split = 1;                     // every byte its own segment
//   sticky::Relay relay(options);                    // bound: relay.address() is known
//   std::thread runner([&] { relay.run(); });        // serves until stop()
//   ...; relay.stop(); runner.join();
//
// TCP legs set TCP_NODELAY, or the relay would add Nagle stalls of its own (Unix sockets
// have no Nagle). A half-close
// (shutdown(SHUT_WR)) on one side is passed to the other once the bytes before it are out.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sticky/socket.hpp"

namespace sticky {

class Trace;

// How one direction is reshaped. Everything off: bytes pass as they come.
struct Shaping {
  std::size_t split = 0;                          // forward in pieces of at most N bytes
  std::optional<std::uint32_t> random_seed;       // pieces of random size 1..random_max
  std::size_t random_max = 16;
  std::chrono::microseconds pace{1000};           // gap between pieces, so each is read alone
  Millis delay{0};                                // one-way latency; order kept
  Millis coalesce{0};                             // hold bytes this long, then forward together
  // Cut after these byte offsets of this direction's stream (sorted, e.g. {2, 6}: bytes
  // 0-1, 2-5, 6-...): each piece is sent on its own, `pace` apart, so it is received alone.
  // Bytes are never held back to fill a piece; only no piece crosses a cut.
  std::vector<std::uint64_t> cuts;
  // > 0: a piece after the first waits until the receiving program has read every byte sent
  // before it (its socket's unread bytes, asked of the kernel: both ends on this machine),
  // at most this long, `pace` still the least gap. Then each piece is received alone however
  // busy the machine; pace alone cannot promise that.
  Millis await_reads{0};

  bool reshapes() const { return split || random_seed || coalesce.count() || !cuts.empty(); }
  // "split=1 pace=1000us" — for narration.
  std::string describe() const;
};

struct RelayOptions {
  Address listen;
  Address target;
  Shaping to_server;   // client -> server ("up")
  Shaping to_client;   // server -> client ("down")
  Trace* trace = nullptr;  // side relay; conn = connection number; direction up or down
};

// Applies one shaping option as written on a command line: `option` is "split",
// "random-split", "pace", "delay", "coalesce", "cuts" or "await-reads"; `value` is "N" for both directions,
// or "up:N" / "down:N" for one ("random-split" takes SEED[:MAX], where an empty SEED or
// "random" picks one from std::random_device; "pace" microseconds; "cuts" OFFSET,OFFSET...).
// std::invalid_argument with a one-line reason on a bad value.
void apply_shaping(RelayOptions& options, std::string_view option, std::string_view value);

class Relay {
 public:
  explicit Relay(RelayOptions options);  // binds and listens; throws SystemError
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  Address address() const;               // where clients connect (the real port after :0)
  void run();                            // serves until stop(); many connections at once
  void stop();                           // from any thread or a signal handler
  std::uint64_t connections() const;     // accepted so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sticky
