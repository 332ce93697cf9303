#include "learn/client_run.hpp"

#include <atomic>
#include <mutex>
#include <thread>

#include "sticky/relay.hpp"
#include "sticky/trace.hpp"

namespace learn {

namespace {
using Clock = std::chrono::steady_clock;
std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
}  // namespace

ClientResult run_client(std::vector<std::string> argv, const std::string& cwd, const std::vector<std::string>& env,
                        const sticky::Address& upstream, const std::optional<Cuts>& down_cuts,
                        const ClientLimits& limits) {
  ClientResult r;
  std::atomic<std::int64_t> last_activity{0};  // 0: not connected yet
  std::mutex mutex;
  sticky::Trace trace;
  trace.add_listener([&](const sticky::TraceEvent& e) {
    last_activity = now_ns();
    if (e.op != sticky::Op::send || e.conn != 1) return;
    std::lock_guard lock(mutex);
    if (e.direction == sticky::Direction::up) r.up += e.data;
    if (e.direction == sticky::Direction::down) {
      r.down += e.data;
      ++r.down_pieces;
    }
  });
  sticky::RelayOptions options;
  options.listen = sticky::Address::parse("127.0.0.1:0");
  options.target = upstream;
  options.trace = &trace;
  if (down_cuts) {
    options.to_client.cuts = down_cuts->empty() ? Cuts{~std::uint64_t{0}} : *down_cuts;
    options.to_client.pace = std::chrono::microseconds(3000);
  }
  sticky::Relay relay(options);
  for (auto& a : argv)
    if (auto at = a.find("{port}"); at != std::string::npos) a.replace(at, 6, std::to_string(relay.address().port()));
  std::thread relaying([&] { relay.run(); });
  struct StopRelay {  // also when the program cannot start, or on Ctrl-C
    sticky::Relay& relay;
    std::thread& thread;
    ~StopRelay() {
      relay.stop();
      if (thread.joinable()) thread.join();
    }
  } stop_relay{relay, relaying};

  auto started = Clock::now();
  Child program(argv, cwd, env);
  std::size_t output = 0;
  std::int64_t output_changed = now_ns();
  for (;;) {
    if (auto status = program.wait(Millis(5))) {
      r.status = *status;
      break;
    }
    auto now = Clock::now();
    if (std::size_t size = program.output_size(); size != output) {
      output = size;
      output_changed = now_ns();
    }
    std::int64_t last = std::max(last_activity.load(), output_changed);
    bool connected = relay.connections() > 0;
    if (!connected && now - started > limits.connect) {
      r.stuck = true;
    } else if (connected && now_ns() - last > std::chrono::nanoseconds(limits.idle).count()) {
      r.stuck = true;
    } else if (now - started > limits.limit) {
      r.timed_out = true;
    }
    if (r.killed()) {
      r.status = program.stop();
      break;
    }
  }
  program.stop();  // its children too
  r.ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  r.out = program.out();
  r.err = program.err();
  r.connections = static_cast<int>(relay.connections());
  // The relay may still be passing the last bytes; they are in the trace once it stops.
  relay.stop();
  if (relaying.joinable()) relaying.join();
  return r;
}

}  // namespace learn
