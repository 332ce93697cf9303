#include "check/client_run.hpp"
#include "speak/text.hpp"

#include <fmt/format.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "check/program.hpp"
#include "sticky/relay.hpp"
#include "sticky/trace.hpp"

namespace check {

namespace {
using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
}  // namespace

std::string ClientRun::ending() const {
  if (stuck) return speak::tr("stuck: nothing left to read, and it did not exit (killed)").english;
  if (timed_out) return speak::tr("still running at the time limit (killed)").english;
  return describe_status(status);
}

ClientRun run_client(const std::vector<std::string>& argv, const sticky::Address& listen,
                     const sticky::Address& upstream, const std::optional<Cuts>& cuts,
                     const ClientLimits& limits) {
  ClientRun run;
  std::atomic<std::int64_t> last_activity{0};  // 0: not connected yet
  std::mutex mutex;
  std::map<int, std::string> sent;  // by connection
  sticky::Trace trace;
  trace.add_listener([&](const sticky::TraceEvent& e) {
    last_activity = now_ns();
    std::lock_guard lock(mutex);
    if (e.op == sticky::Op::send && e.direction == sticky::Direction::down && e.conn == 1) {
      run.down += e.data;
      ++run.pieces;
    } else if (e.op == sticky::Op::send && e.direction == sticky::Direction::up && e.conn) {
      sent[*e.conn] += e.data;
    } else if (e.op == sticky::Op::note && e.text.starts_with("cannot reach ") && run.upstream_error.empty()) {
      run.upstream_error = e.text;
    }
  });
  sticky::RelayOptions options;
  options.listen = listen;
  options.target = upstream;
  options.trace = &trace;
  if (cuts) {
    options.to_client.cuts = *cuts;
    options.to_client.pace = limits.pace;
    options.to_client.await_reads = limits.await_reads;
    if (cuts->empty()) options.to_client.cuts = {~std::uint64_t{0}};  // "none": pieces as they come, paced
  }
  sticky::Relay relay(options);
  run.listen = relay.address();
  std::vector<std::string> command = argv;
  for (auto& a : command)
    for (auto at = a.find("{port}"); at != std::string::npos; at = a.find("{port}", at))
      a.replace(at, 6, std::to_string(run.listen.port()));
  std::thread relaying([&] { relay.run(); });
  struct StopRelay {  // also when the program cannot start
    sticky::Relay& relay;
    std::thread& thread;
    void operator()() {
      if (!thread.joinable()) return;
      relay.stop();
      thread.join();
    }
    ~StopRelay() { (*this)(); }
  } stop_relay{relay, relaying};

  auto start = Clock::now();
  Program program(command);
  std::size_t output_seen = 0;
  for (;;) {
    if (auto status = program.wait_exit(Millis(10))) {
      run.status = *status;
      break;
    }
    auto now = Clock::now();
    if (now - start > limits.limit) {
      run.timed_out = true;
      run.status = program.stop(Millis(200));
      break;
    }
    std::int64_t last = last_activity;
    if (last == 0) continue;  // still starting up; only the limit applies
    // Output counts as life too: a client busy printing is not stuck.
    std::size_t output = program.output_size();
    if (output != output_seen) {
      output_seen = output;
      last_activity = now_ns();
      continue;
    }
    if (now_ns() - last > std::chrono::duration_cast<std::chrono::nanoseconds>(limits.idle).count()) {
      run.stuck = true;
      run.status = program.stop(Millis(200));
      break;
    }
  }
  run.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  stop_relay();  // no more trace events from here on
  run.out = program.out();
  run.err = program.err();
  run.connections = static_cast<int>(relay.connections());
  for (const auto& [conn, bytes] : sent) run.sent += bytes;
  return run;
}

}  // namespace check
