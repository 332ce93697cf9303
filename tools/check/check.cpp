#include "check/check.hpp"

#include <chrono>

#include "check/client_check.hpp"
#include "check/server_check.hpp"

namespace check {

Report run(const Options& options) {
  Options o = options;
  if (!o.seed) o.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000000u;
  if (o.replay_cuts) {
    try {
      parse_cuts(*o.replay_cuts);
    } catch (const std::invalid_argument& e) {
      throw UsageError(speak::tr("--replay-cuts: {}", speak::localized(e.what())).english);
    }
  }
  if (o.mode == "server") return check_server(o);
  if (o.mode == "client") return check_client(o);
  throw UsageError(speak::tr("no such mode '{}': server or client", o.mode).english);
}

}  // namespace check
