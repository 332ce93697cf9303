#include "check/replay.hpp"

#include <filesystem>

#include "check/words.hpp"

namespace check {

std::string tool_path(const Options& options, const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path dir = options.tools_dir;
  if (dir.empty()) dir = fs::read_symlink("/proc/self/exe", error).parent_path();
  if (error || dir.empty()) return name;
  auto path = dir / name;
  if (!fs::exists(path, error)) return name;
  auto relative = fs::relative(path, fs::current_path(), error);
  if (!error && !relative.empty() && relative.native().rfind("..", 0) != 0) return relative.string();
  return path.string();
}

namespace {

// The options as sticky-check takes them, for a check that came without a command line.
std::vector<std::string> composed(const Options& o) {
  std::vector<std::string> out{tool_path(o, "sticky-check"), o.mode};
  if (o.mode == "server") {
    if (!o.connect.empty()) out.insert(out.end(), {"--connect", o.connect});
    else if (o.port) out.insert(out.end(), {"--port", std::to_string(*o.port)});
    for (const auto& m : o.messages) out.insert(out.end(), {"--message", m});
    if (!o.messages_file.empty()) out.insert(out.end(), {"--messages", o.messages_file});
    if (o.connection_per_message) out.push_back("--connection-per-message");
    if (o.greeting) out.insert(out.end(), {"--greeting", std::to_string(*o.greeting)});
  } else {
    if (o.listen) out.insert(out.end(), {"--listen", std::to_string(*o.listen)});
    out.insert(out.end(), {"--upstream", o.upstream});
    if (!o.start_upstream.empty()) out.insert(out.end(), {"--start-upstream", o.start_upstream});
  }
  if (o.framing.same()) {
    if (o.framing.up.spec() != "length") out.insert(out.end(), {"--framing", o.framing.up.spec()});
  } else {
    out.insert(out.end(), {"--framing", "up:" + o.framing.up.spec(), "--framing", "down:" + o.framing.down.spec()});
  }
  out.push_back("--");
  out.insert(out.end(), o.command.begin(), o.command.end());
  return out;
}

}  // namespace

std::string replay_check(const Options& options, const Cuts& cuts) {
  std::vector<std::string> argv = options.invocation.empty() ? composed(options) : options.invocation;
  std::vector<std::string> out;
  const std::vector<std::string> drop_with_value{"--seed", "--budget", "--replay-cuts"};
  std::size_t i = 0;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") break;
    if (a == "--json") continue;
    bool dropped = false;
    for (const auto& d : drop_with_value) {
      if (a == d) {
        ++i;
        dropped = true;
      } else if (a.rfind(d + "=", 0) == 0) {
        dropped = true;
      }
    }
    if (!dropped) out.push_back(a);
  }
  out.push_back("--replay-cuts");
  out.push_back(format_cuts(cuts));
  for (; i < argv.size(); ++i) out.push_back(argv[i]);
  return shell_join(out);
}

}  // namespace check
