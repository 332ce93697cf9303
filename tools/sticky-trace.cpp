// sticky-trace — record every socket call a real program makes, in the trace format the
// demos write and sticky-view replays.
//
//   sticky-trace -o lesson.jsonl -- python3 server.py     one terminal
//   sticky-trace -o lesson.jsonl -- python3 client.py     another: both append to one file
//   sticky-view --replay lesson.jsonl
//
// The command runs with libsticky-trace.so preloaded (tools/recorder/): the program's own
// connect, send, recv, read, write … on sockets, in every thread and child process, become
// JSON lines. This launcher only prepares the environment, runs the command, waits for it
// and exits with its status; it writes nothing into the trace itself. At the end it reads
// the counters the recorders kept in a small shared file to say when nothing could be
// recorded (a statically linked or Go program makes its system calls without the C
// library) or the trace could not be written.
#include <fcntl.h>
#include <fmt/color.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "sticky/trace_status.hpp"
#include "speak/text.hpp"
#include "speak/command_line.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using speak::tr;
const char* const kProgram = "sticky-trace";

bool colour = false;

// One line on stderr, in the user's language.
void say(const speak::Text& text) {
  std::string prefix = colour ? fmt::format(fmt::emphasis::bold, "{}:", kProgram) : fmt::format("{}:", kProgram);
  fmt::print(stderr, "{} {}\n", prefix, text.local);
}

// The recorder sits next to us: build/bin/../lib/, or an installed tree's lib/sticky/.
std::string find_library() {
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) return {};
  for (const char* relative : {"../lib/libsticky-trace.so", "../lib/sticky/libsticky-trace.so"}) {
    fs::path candidate = (self.parent_path() / relative).lexically_normal();
    if (fs::exists(candidate, error)) return candidate.string();
  }
  return {};
}

// The shared counters (sticky/trace_status.hpp): a page in a file the recorders map.
struct StatusFile {
  std::string path;
  sticky_trace::SharedStatus* status = nullptr;

  StatusFile() {
    const char* dir = std::getenv("TMPDIR");
    for (std::string base : {std::string(dir ? dir : ""), std::string("/tmp"), std::string("/dev/shm")}) {
      if (base.empty()) continue;
      std::string name = base + "/sticky-trace-status.XXXXXX";
      int fd = ::mkostemp(name.data(), O_CLOEXEC);
      if (fd < 0) continue;
      void* memory = MAP_FAILED;
      if (::ftruncate(fd, 4096) == 0)
        memory = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      ::close(fd);
      if (memory == MAP_FAILED) {
        ::unlink(name.c_str());
        continue;
      }
      path = name;
      status = static_cast<sticky_trace::SharedStatus*>(memory);
      return;
    }
  }
  ~StatusFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
  StatusFile(const StatusFile&) = delete;
  StatusFile& operator=(const StatusFile&) = delete;
};

// The command's environment: ours, with the recorder appended to LD_PRELOAD and its
// settings replacing any left over from an outer sticky-trace.
std::vector<std::string> child_environment(const std::string& library, const std::string& file,
                                           std::uint64_t max_data, const std::string& label,
                                           const std::string& status_path) {
  std::vector<std::string> env;
  std::string preload;
  auto is = [](const char* entry, const char* name) {
    std::size_t n = std::strlen(name);
    return std::strncmp(entry, name, n) == 0 && entry[n] == '=';
  };
  for (const auto& entry : speak::child_environment()) {  // as we found it: LANGUAGE too
    const char* e = entry.c_str();
    if (is(e, "LD_PRELOAD")) {
      preload = e + std::strlen("LD_PRELOAD=");
      continue;
    }
    if (is(e, sticky_trace::kFileVariable) || is(e, sticky_trace::kMaxDataVariable) ||
        is(e, sticky_trace::kLabelVariable) || is(e, sticky_trace::kStatusVariable))
      continue;
    env.emplace_back(e);
  }
  env.push_back("LD_PRELOAD=" + (preload.empty() ? library : preload + ":" + library));
  env.push_back(std::string(sticky_trace::kFileVariable) + "=" + file);
  env.push_back(std::string(sticky_trace::kMaxDataVariable) + "=" + std::to_string(max_data));
  if (!label.empty()) env.push_back(std::string(sticky_trace::kLabelVariable) + "=" + label);
  if (!status_path.empty()) env.push_back(std::string(sticky_trace::kStatusVariable) + "=" + status_path);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Signals. A Ctrl-C at the terminal reaches the whole foreground process group — the
// command gets it directly, and we wait to report how it ended. A signal sent to us alone
// (kill PID, a supervisor's SIGTERM) is passed on to the command.
volatile sig_atomic_t child_pid = 0;

void pass_on(int signal, siginfo_t* info, void*) {
  bool sent_by_a_process = info && info->si_code <= 0;  // SI_USER, SI_QUEUE, SI_TKILL
  if (sent_by_a_process && child_pid > 0) ::kill(child_pid, signal);
}

// CLI11 would print "Usage: sticky-trace [OPTIONS]": the command is the point.
class Formatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App*, std::string) const override {
    return "Usage: sticky-trace [OPTIONS] [--] COMMAND [ARGS...]\n";
  }
};

constexpr int kForwarded[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};

// Runs the command and returns its exit status as a shell reports it.
int run(std::vector<std::string> command, std::vector<std::string> env, bool& started) {
  sigset_t forwarded, original;
  sigemptyset(&forwarded);
  for (int s : kForwarded) sigaddset(&forwarded, s);
  ::sigprocmask(SIG_BLOCK, &forwarded, &original);
  for (int s : kForwarded) {
    struct sigaction current {};
    ::sigaction(s, nullptr, &current);
    if (current.sa_handler == SIG_IGN) continue;  // ignored (nohup): the command inherits that
    struct sigaction action {};
    action.sa_sigaction = pass_on;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    ::sigaction(s, &action, nullptr);
  }

  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setsigmask(&attributes, &original);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  auto argv = c_strings(command);
  auto envp = c_strings(env);
  pid_t pid = -1;
  int error = ::posix_spawnp(&pid, argv[0], nullptr, &attributes, argv.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    ::sigprocmask(SIG_SETMASK, &original, nullptr);
    say(tr("cannot run {}: {}", command[0], std::strerror(error)));
    return error == ENOENT ? 127 : 126;  // as a shell reports it
  }
  started = true;
  child_pid = pid;
  ::sigprocmask(SIG_SETMASK, &original, nullptr);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  child_pid = 0;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run COMMAND and record every socket call it makes (its threads and children\n"
               "too) as JSON Lines: connect, accept, send, recv ... with the bytes moved.",
               kProgram};
  app.formatter(std::make_shared<Formatter>());
  std::string output = sticky_trace::kDefaultFile;
  std::uint64_t max_data = sticky_trace::kDefaultMaxData;
  std::string label;
  bool quiet = false, no_color = false;
  app.add_option("-o,--output", output, "trace file, appended to; programs may share it")
      ->type_name("FILE")
      ->capture_default_str();
  app.add_option("--max-data", max_data, "data bytes kept per call; the rest is counted")
      ->type_name("N")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 30).description(""))
      ->capture_default_str();
  app.add_option("--label", label, "prog and side of every event (default: from argv)")
      ->type_name("NAME");
  app.add_flag("-q,--quiet", quiet, "no summary line at the end");
  app.add_flag("--no-color", no_color, "no colour (also: NO_COLOR, stderr not a tty)");
  std::string lang;
  app.add_option("--lang", lang, "en or zh (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)")->type_name("LANG");
  app.prefix_command();
  app.footer("Exit status: COMMAND's own (128+N when a signal N ended it); 127 or 126 when\n"
             "it cannot be run; 2 for a usage error.\n"
             "Example, in two terminals sharing one trace:\n"
             "  sticky-trace -o lesson.jsonl -- python3 server.py\n"
             "  sticky-trace -o lesson.jsonl -- python3 client.py\n"
             "  sticky-view --replay lesson.jsonl");
  if (auto status = speak::cli::parse(app, argc, argv)) return *status;
  if (!speak::use_language(kProgram, lang)) return 2;
  colour = !no_color && !std::getenv("NO_COLOR") && ::isatty(2);

  auto usage_error = [](const speak::Text& why) {
    speak::print_error(kProgram, why.english, true);
    return 2;
  };
  // Everything from the first argument that is not one of our options is the command.
  std::vector<std::string> command = app.remaining();
  if (!command.empty() && command.front() == "--") command.erase(command.begin());
  else if (!command.empty() && command.front().size() > 1 && command.front()[0] == '-')
    return usage_error(tr("unknown option {} (put -- before the command)", command.front()));
  if (command.empty()) return usage_error(tr("no command to run: sticky-trace [OPTIONS] -- COMMAND [ARGS...]"));
  if (output.empty() || output == "-")
    return usage_error(tr("--output needs a file name (use /dev/stderr for the terminal)"));

  std::string library = find_library();
  if (library.empty()) {
    say(tr("cannot find libsticky-trace.so next to this program (../lib/ or ../lib/sticky/)"));
    return 1;
  }
  // Absolute: the program may change directory before its first socket call.
  std::error_code error;
  std::string file = fs::absolute(output, error).string();
  if (error) file = output;

  StatusFile status;
  bool started = false;
  int exit_status = run(command, child_environment(library, file, max_data, label, status.path), started);
  if (!started) return exit_status;  // already said why
  if (!status.status) {
    if (!quiet) say(tr("trace in {} (could not count what was recorded: no shared status file)", file));
    return exit_status;
  }
  auto events = status.status->events.load();
  auto lost = status.status->lost.load();
  auto processes = status.status->processes.load();
  if (lost > 0) {
    int why = status.status->first_error.load();
    say(lost == 1 ? tr("could not write the trace to {}: {} ({} line lost)", file, std::strerror(why ? why : EIO), lost)
                  : tr("could not write the trace to {}: {} ({} lines lost)", file, std::strerror(why ? why : EIO),
                       lost));
  } else if (events == 0) {
    say(tr("no socket calls were recorded: {} may not use the C library for sockets", command.front()));
  } else if (!quiet) {
    speak::Text calls = events == 1 ? tr("{} socket call", events) : tr("{} socket calls", events);
    speak::Text by = processes == 1 ? tr("{} process", processes) : tr("{} processes", processes);
    say(tr("{} by {} recorded in {}", calls, by, file));
  }
  return exit_status;
}
