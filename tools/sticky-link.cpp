// sticky-link — run a server and a client on the two ends of a real, shaped link on this
// machine: two network namespaces joined by a veth pair, each sender shaped by tbf
// (sticky/link.hpp). What loopback hides (its MTU is 65,536 bytes and its round trip
// microseconds) shows here as on a real network: segments of one MSS, queued behind a slow
// link, reads that follow the segments and not the sends.
//
//   sticky-link -- python3 server.py --host 10.0.0.1 -- python3 client.py --host 10.0.0.1
//   sticky-link --rate 200kbit --trace t.jsonl -- python3 server.py ... -- python3 client.py ...
//
// The server starts first; once a socket listens in its namespace the client starts; when
// the client ends, the server is stopped (SIGTERM, then SIGKILL) and the link removed. On
// Ctrl-C, a signal, --timeout or a failure the same teardown runs, and every process the
// programs left (their children, reparented to us: we are their subreaper) is killed, so
// no namespace, veth or process outlives sticky-link. The namespaces have no name and the
// veth pair never touches the system's namespace: the kernel removes both with the last
// process. If sticky-link itself is killed (SIGKILL), the programs die with it
// (PR_SET_PDEATHSIG) and the kernel does the rest.
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "speak/command_line.hpp"
#include "speak/text.hpp"
#include "sticky/error.hpp"
#include "sticky/link.hpp"

namespace {

namespace fs = std::filesystem;
using speak::tr;
using sticky::LinkEnd;
using Clock = std::chrono::steady_clock;
const char* const kProgram = "sticky-link";

bool quiet = false;

void say(const speak::Text& text) {
  if (!quiet) fmt::print(stderr, "{}: {}\n", kProgram, text.local);
}
void complain(const speak::Text& text) { fmt::print(stderr, "{}: {}\n", kProgram, text.local); }

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string status_text(int status) {
  if (WIFEXITED(status)) return tr("exit status {}", WEXITSTATUS(status)).local;
  if (WIFSIGNALED(status)) return tr("killed by signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status))).local;
  return "?";
}

int shell_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// One line saying what is missing, in the user's language.
speak::Text unavailable(const sticky::LinkUnavailable& e) {
  const char* step = e.step() == sticky::LinkUnavailable::Step::user_namespace ? "unshare(CLONE_NEWUSER)"
                     : e.step() == sticky::LinkUnavailable::Step::user_map    ? "/proc/self/uid_map"
                                                                              : "unshare(CLONE_NEWNET)";
  if (e.root())
    return tr("cannot make a network namespace, even as root ({}: {})", step, std::strerror(e.error()));
  return tr("needs root or a user namespace: not root, and this kernel lets no user namespace be made here ({}: {})",
            step, std::strerror(e.error()));
}

// Our children, as the kernel lists them (orphans of the programs come to us: subreaper).
std::vector<pid_t> children() {
  std::vector<pid_t> out;
  pid_t self = ::getpid();
  std::ifstream list(fmt::format("/proc/{}/task/{}/children", self, self));
  for (pid_t pid; list >> pid;) out.push_back(pid);
  return out;
}

// Everything we started, and everything it started, gone and reaped.
void kill_everything() {
  auto deadline = Clock::now() + std::chrono::seconds(5);
  for (;;) {
    for (pid_t pid : children()) ::kill(pid, SIGKILL);
    int status;
    pid_t r = ::waitpid(-1, &status, WNOHANG);
    if (r < 0 && errno == ECHILD) return;
    if (r == 0) {
      if (Clock::now() > deadline) return;
      ::usleep(2000);  // children of a child just killed are reparented to us in a moment
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sticky-link [OPTIONS] -- SERVER-COMMAND... -- CLIENT-COMMAND...\n"
               "Run a server and a client on the two ends of a real, shaped link: two network\n"
               "namespaces joined by a veth pair, each sender shaped by tbf.",
               kProgram};
  sticky::LinkOptions options;
  std::string shape = "both", gro, trace_file, lang;
  double timeout = 0, ready_timeout = 10, grace = 2;
  app.add_option("--mtu", options.mtu, "MTU of the veth pair (loopback's is 65536)")
      ->check(CLI::Range(68, 65535))
      ->capture_default_str();
  app.add_option("--rate", options.rate, "tbf rate, in tc's words: 20mbit, 200kbit, 1gbit")->capture_default_str();
  app.add_option("--burst", options.burst, "tbf bucket (default: one frame, MTU + 14 bytes)")->type_name("B");
  app.add_option("--queue", options.queue, "tbf queue: a time (latency) or bytes (limit)")
      ->type_name("LIMIT")
      ->capture_default_str();
  app.add_option("--shape", shape, "which senders tbf shapes")
      ->check(CLI::IsMember({"both", "server", "client", "none"}))
      ->capture_default_str();
  app.add_option("--gro", gro, "receive offload on both ends (default: the kernel's, off on veth)")
      ->check(CLI::IsMember({"on", "off"}))
      ->type_name("on|off");
  app.add_option("--trace", trace_file, "run both programs under sticky-trace -o FILE")->type_name("FILE");
  app.add_option("--timeout", timeout, "stop both after this many seconds (exit status 124)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--ready", ready_timeout, "wait this long for the server to listen, then start the client")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "say nothing but errors");
  app.add_option("--lang", lang, "en or zh (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)")->type_name("LANG");
  app.prefix_command();
  app.footer(
      "The server's end is 10.0.0.1 (device to-client), the client's 10.0.0.2 (device to-server); both programs "
      "get STICKY_LINK_SERVER=10.0.0.1, STICKY_LINK_CLIENT=10.0.0.2 and STICKY_LINK_SIDE=server or client. The "
      "server must listen on 10.0.0.1 (or 0.0.0.0), not 127.0.0.1. The client starts once a socket listens in the "
      "server's namespace; when it ends the server is stopped (SIGTERM, then SIGKILL) and everything is removed: "
      "also on Ctrl-C, --timeout or a crash.\n"
      "The first -- after the server's command starts the client's: write sticky-trace's commands without their "
      "own -- (sticky-trace -o t.jsonl python3 server.py), or use --trace.\n"
      "Delay: tbf shapes the rate and the queue; it cannot delay (netem, the qdisc that can, is not on every "
      "kernel). For latency, put the relay on the link: as the client's command, sh -c 'relay --port 9100 --to "
      "10.0.0.1:9005 --delay 20 & python3 client.py --port 9100'.\n"
      "As root the namespaces are the system's; as anyone else they are made in a user namespace where the kernel "
      "allows it (the programs run as its root: your own user outside). Otherwise one line says what is missing "
      "and the exit status is 1.\n"
      "Exit status: the client's (128+N after signal N), 124 after --timeout, 1 when the link cannot be made or the "
      "server ends before it listens, 2 a usage error.\n"
      "Example: sticky-link --rate 50kbit -- python3 lessons/python/12-server-eager-reader.py --host 10.0.0.1 -- "
      "python3 lessons/python/12-client-small-sends.py --host 10.0.0.1");
  if (auto status = speak::cli::parse(app, argc, argv)) return *status;
  if (!speak::use_language(kProgram, lang)) return 2;

  auto usage_error = [](const speak::Text& why) {
    speak::print_error(kProgram, why.english, true);
    return 2;
  };
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
  else if (!rest.empty() && rest.front().size() > 1 && rest.front()[0] == '-')
    return usage_error(tr("unknown option {} (put -- before the server's command)", rest.front()));
  auto split = std::find(rest.begin(), rest.end(), "--");
  std::vector<std::string> server(rest.begin(), split);
  std::vector<std::string> client(split == rest.end() ? rest.end() : split + 1, rest.end());
  if (server.empty() || client.empty())
    return usage_error(tr("needs two commands: sticky-link [OPTIONS] -- SERVER-COMMAND... -- CLIENT-COMMAND..."));
  options.shape_server = shape == "both" || shape == "server";
  options.shape_client = shape == "both" || shape == "client";
  if (!gro.empty()) options.gro = gro == "on";
  if (!trace_file.empty()) {
    std::error_code error;
    fs::path tracer = fs::read_symlink("/proc/self/exe", error).parent_path() / "sticky-trace";
    if (error || !fs::exists(tracer)) {
      complain(tr("--trace needs sticky-trace next to this program"));
      return 1;
    }
    std::string file = fs::absolute(trace_file, error).string();
    for (auto* command : {&server, &client}) command->insert(command->begin(), {tracer.string(), "-o", file});
  }

  return speak::run(kProgram, [&] {
    // Signals arrive through a descriptor, so the wait below sees Ctrl-C, a child's end and
    // the clock in one poll(); the programs start with nothing blocked (Link::spawn).
    sigset_t handled;
    sigemptyset(&handled);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&handled, s);
    ::sigprocmask(SIG_BLOCK, &handled, nullptr);
    sticky::Fd signals(::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signals) sticky::throw_errno("signalfd");
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);

    auto started = Clock::now();
    std::optional<sticky::Link> link;
    try {
      link.emplace(options);
    } catch (const sticky::LinkUnavailable& e) {
      complain(unavailable(e));
      return 1;
    } catch (const sticky::LinkSetupError& e) {
      complain(e.missing_program() ? tr("cannot set up the link: {} (apt-get install iproute2)", e.what())
                                   : tr("cannot set up the link: {}", e.what()));
      return 1;
    }
    auto shaping = [&](LinkEnd end) {
      auto s = link->shaping(end);
      return s.empty() ? tr("not shaped") : speak::same("tbf " + s);
    };
    auto gro_state = link->gro(LinkEnd::client);
    say(tr("server {} ({}) <-> client {} ({}): veth, MTU {}{}", sticky::Link::host(LinkEnd::server),
           sticky::Link::device(LinkEnd::server), sticky::Link::host(LinkEnd::client),
           sticky::Link::device(LinkEnd::client), link->mtu(LinkEnd::server),
           link->in_user_namespace() ? tr(", in a user namespace") : speak::same("")));
    say(tr("server -> client: {}; client -> server: {}", shaping(LinkEnd::server), shaping(LinkEnd::client)));
    say(tr("GRO {}; TSO/GSO off: every packet at most one MTU, as on a wire",
           !gro_state ? tr("unknown") : *gro_state ? tr("on") : tr("off")));

    auto environment = [&](LinkEnd end) {
      auto env = speak::child_environment();
      env.push_back(std::string("STICKY_LINK_SERVER=") + sticky::Link::host(LinkEnd::server));
      env.push_back(std::string("STICKY_LINK_CLIENT=") + sticky::Link::host(LinkEnd::client));
      env.push_back(std::string("STICKY_LINK_SIDE=") + (end == LinkEnd::server ? "server" : "client"));
      return env;
    };
    auto tcp = link->proc_net(LinkEnd::server, "tcp");
    auto udp = link->proc_net(LinkEnd::server, "udp");

    pid_t server_pid = -1, client_pid = -1;
    int server_status = 0, client_status = 0;
    bool interrupted = false, timed_out = false;
    auto deadline = timeout > 0 ? std::optional(started + std::chrono::duration_cast<Clock::duration>(
                                                              std::chrono::duration<double>(timeout)))
                                : std::nullopt;
    // Reaps what ended; returns false on a signal that ends the run.
    auto wait_a_moment = [&](int ms) {
      if (deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
        if (left <= 0) {
          timed_out = true;
          return false;
        }
        ms = static_cast<int>(std::min<long long>(ms, left));
      }
      pollfd p{signals.get(), POLLIN, 0};
      if (::poll(&p, 1, ms) > 0) {
        signalfd_siginfo info{};
        while (::read(signals.get(), &info, sizeof info) == sizeof info) {
          if (info.ssi_signo == SIGCHLD) continue;
          interrupted = true;
          // Sent by a process to us alone (kill PID): pass it on. From the terminal, the
          // programs had it already.
          if (static_cast<int>(info.ssi_code) <= 0)
            for (pid_t pid : {server_pid, client_pid})
              if (pid > 0) ::kill(pid, static_cast<int>(info.ssi_signo));
          break;
        }
      }
      for (;;) {
        int status;
        pid_t r = ::waitpid(-1, &status, WNOHANG);
        if (r <= 0) break;
        if (r == server_pid) server_pid = -1, server_status = status;
        if (r == client_pid) client_pid = -1, client_status = status;
      }
      return !interrupted;
    };
    auto stop = [&](pid_t& pid, int& status, const speak::Text& name) {
      if (pid <= 0) return;
      auto wait_until_gone = [&] {
        auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(grace));
        while (pid > 0 && Clock::now() < until) {
          int s;
          pid_t r = ::waitpid(pid, &s, WNOHANG);
          if (r == pid) pid = -1, status = s;
          else ::usleep(2000);
        }
      };
      // After Ctrl-C (or a signal passed on) the program has its signal already: let it end
      // the way it chose (Python: KeyboardInterrupt) before we insist.
      if (interrupted) wait_until_gone();
      if (pid > 0) ::kill(pid, SIGTERM);
      wait_until_gone();
      if (pid > 0) {
        say(tr("{} did not stop in {} s: killed", name, grace));
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        pid = -1;
      }
    };
    auto finish = [&](int code) {
      stop(client_pid, client_status, tr("the client"));
      stop(server_pid, server_status, tr("the server"));
      kill_everything();
      link.reset();
      return code;
    };

    try {
      server_pid = link->spawn(LinkEnd::server, server, environment(LinkEnd::server));
    } catch (const sticky::SystemError& e) {
      complain(tr("cannot run the server: {}", e.what()));
      return finish(1);
    }
    say(tr("server (pid {}): {}", server_pid, joined(server)));
    auto ready_by = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(ready_timeout));
    std::optional<std::string> listening;
    while (!(listening = sticky::first_listener(tcp.get(), udp.get()))) {
      if (!wait_a_moment(5)) return finish(timed_out ? 124 : 128 + SIGINT);
      if (server_pid < 0) {
        complain(tr("the server ended before it listened ({})", status_text(server_status)));
        return finish(1);
      }
      if (Clock::now() > ready_by) break;
    }
    if (listening) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
      say(tr("server listening: {} ({} ms after sticky-link started)", *listening, ms));
    } else {
      say(tr("nothing listens in the server's namespace after {} s: starting the client anyway", ready_timeout));
    }
    try {
      client_pid = link->spawn(LinkEnd::client, client, environment(LinkEnd::client));
    } catch (const sticky::SystemError& e) {
      complain(tr("cannot run the client: {}", e.what()));
      return finish(1);
    }
    say(tr("client (pid {}): {}", client_pid, joined(client)));
    while (client_pid > 0)
      if (!wait_a_moment(1000)) break;

    if (timed_out) {
      say(tr("--timeout: {} s passed; stopping both", timeout));
      return finish(124);
    }
    if (interrupted) {
      finish(0);
      say(tr("interrupted: both programs stopped, the link removed"));
      return shell_status(client_status);
    }
    // The server's last words (a summary printed once its client has gone) come before it is
    // stopped: it gets until its connections are closed, and a moment more, up to 2 s.
    auto linger_until = Clock::now() + std::chrono::seconds(2);
    int quiet_rounds = 0;
    while (server_pid > 0 && Clock::now() < linger_until && quiet_rounds < 20) {
      quiet_rounds = sticky::open_connections(tcp.get()) == 0 ? quiet_rounds + 1 : 0;
      if (!wait_a_moment(5)) break;
    }
    int code = shell_status(client_status);
    bool server_ran_on = server_pid > 0;
    finish(code);
    say(server_ran_on ? tr("client ended ({}); server stopped; the link removed", status_text(client_status))
                      : tr("client ended ({}); server had ended ({}); the link removed", status_text(client_status),
                           status_text(server_status)));
    return code;
  });
}
