// 09 — Python's socketserver, in C++: a server class per address family and socket type,
// mix-ins for threads or processes, and a handler with setup / handle / finish.
//
// In role both it shows what concurrency buys: the first client connects and stays; the
// second sends "world". A synchronous server is still inside the first client's handler,
// so the second waits until the first leaves. A threading server answers it at once from
// another thread; a forking server from another process. --trace-calls prints the call
// flow of each request as it runs: serve_forever → get_request → verify_request →
// process_request → thread or process → finish_request → setup / handle / finish →
// shutdown_request.
#include <fmt/format.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <mutex>
#include <set>
#include <thread>

#include "harness/demo.hpp"
#include "sticky/error.hpp"
#include "sticky/server.hpp"

namespace {

using namespace std::chrono_literals;

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The classic handler: every chunk received goes back upper-cased, until the client leaves.
struct UpperHandler : sticky::StreamRequestHandler {
  using StreamRequestHandler::StreamRequestHandler;
  void handle() override {
    for (auto data = read_some(1024); !data.empty(); data = read_some(1024)) write(upper(data));
  }
};

// Line by line: read a line, write it back.
struct LineHandler : sticky::StreamRequestHandler {
  using StreamRequestHandler::StreamRequestHandler;
  void handle() override {
    for (auto line = read_line(); !line.empty(); line = read_line()) write(line);
  }
};

struct UpperDatagramHandler : sticky::DatagramRequestHandler {
  using DatagramRequestHandler::DatagramRequestHandler;
  void handle() override { reply(upper(std::string(packet()))); }
};

struct LineDatagramHandler : sticky::DatagramRequestHandler {
  using DatagramRequestHandler::DatagramRequestHandler;
  void handle() override { reply(packet()); }
};

long thread_id() { return static_cast<long>(::syscall(SYS_gettid)); }

class SocketServerDemo : public harness::Scenario {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("--kind", kind_, "server class")->check(CLI::IsMember({"tcp", "udp", "unix", "unix-dgram"}))->capture_default_str();
    mode_option_ = app.add_option("--mode", mode_, "one request at a time, a thread each, or a process each (role both: all three by default)")
                       ->check(CLI::IsMember({"sync", "threading", "forking"}))
                       ->capture_default_str();
    app.add_option("--handler", handler_, "upper: each chunk back upper-cased; line: each line back")
        ->check(CLI::IsMember({"upper", "line"}))
        ->capture_default_str();
    app.add_option("--path", path_, "socket file for the unix kinds")->capture_default_str();
    app.add_flag("--trace-calls", trace_calls_, "print each hook of the call flow as it runs, with its thread or process");
  }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    std::string message = handler_ == "line" ? "hello\n" : "hello";
    if (datagram()) {
      harness::DatagramSocket socket(demo, sticky::connect_datagram(server), sticky::Side::client);
      socket.send_to(message);
      auto reply = socket.recv_from(1024, 5000ms);
      if (!demo.options().json) fmt::print("{}\n", reply.data);
      return;
    }
    auto conn = demo.connect(server);
    conn.send(message);
    conn.shutdown_write();
    std::string reply;
    for (auto piece = conn.recv(1024, 5000ms); !piece.empty(); piece = conn.recv(1024, 5000ms)) reply += piece;
    if (!demo.options().json) fmt::print("{}\n", reply);
  }

  bool datagram() const { return kind_ == "udp" || kind_ == "unix-dgram"; }

  void both(harness::Demo& demo) override {
    std::vector<std::string> modes = mode_option_->count() ? std::vector<std::string>{mode_}
                                                           : std::vector<std::string>{"sync", "threading", "forking"};
    nlohmann::json facts;
    bool observed = true;
    for (const auto& mode : modes) {
      demo.step(fmt::format("{} server, {} mode: client 1 connects and stays; client 2 sends \"world\"",
                            kind_, mode));
      auto result = run_mode(demo, mode);
      facts[mode] = result;
      bool concurrent = result.value("second_answered_while_first_connected", false);
      observed = observed && (mode == "sync" ? !concurrent || datagram() : concurrent);
    }
    demo.result(observed, facts, summary(modes, facts));
  }

  // Role server: the library's server until Ctrl-C, then a clean shutdown.
  void serve_role(harness::Demo& demo) override {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // threads made from here on inherit the mask
    auto server = make(demo, mode_, address(demo));
    auto where = server->server_address().to_string();
    if (demo.options().json) demo.say("listening on " + where);
    else fmt::print("listening on {}\n", where);
    std::fflush(stdout);
    if (demo.options().once) {
      server->handle_request();
      server->server_close();
      return;
    }
    std::thread loop([&] { server->serve_forever(500ms); });
    int sig = 0;
    sigwait(&stop, &sig);
    server->shutdown();
    loop.join();
    server->server_close();
    if (!demo.options().json) fmt::print(stderr, "\n{}: stopped\n", demo.program());
  }

 private:
  sticky::Address address(const harness::Demo& demo) const {
    if (kind_ == "unix" || kind_ == "unix-dgram") return sticky::Address::unix_path(path_);
    if (demo.options().role == "both") return sticky::Address::parse("127.0.0.1:0");
    return sticky::Address::ip(demo.options().host, static_cast<std::uint16_t>(demo.options().port));
  }

  std::unique_ptr<sticky::BaseServer> make(harness::Demo& demo, const std::string& mode, sticky::Address where) {
    sticky::HandlerFactory factory = datagram() ? (handler_ == "line" ? sticky::handler<LineDatagramHandler>()
                                                                      : sticky::handler<UpperDatagramHandler>())
                                                : (handler_ == "line" ? sticky::handler<LineHandler>()
                                                                      : sticky::handler<UpperHandler>());
    auto server = sticky::make_server(kind_, mode, std::move(where), std::move(factory));
    // Who handled each request: the thread that ran the handler (a forked child is counted
    // from the parent, by the pids the server forked).
    server->on_call = [this, &demo](std::string_view call, std::string_view detail) {
      if (call == "handler.handle" && mode_of_call_ != "forking") {
        std::lock_guard lock(mutex_);
        handlers_.insert(fmt::format("thread {}", thread_id()));
      }
      if (!trace_calls_) return;
      sticky::TraceEvent e;
      e.side = sticky::Side::server;
      e.op = sticky::Op::call;
      e.text = fmt::format("[pid {} tid {}] {}{}{}", ::getpid(), thread_id(), call, detail.empty() ? "" : ": ", detail);
      e.facts = nlohmann::json{{"call", call}, {"pid", ::getpid()}, {"tid", thread_id()}}.dump();
      demo.trace().record(std::move(e));
    };
    return server;
  }

  nlohmann::json run_mode(harness::Demo& demo, const std::string& mode) {
    {
      std::lock_guard lock(mutex_);
      handlers_.clear();
    }
    mode_of_call_ = mode;
    auto server = make(demo, mode, address(demo));
    std::thread loop([&] { server->serve_forever(100ms); });
    auto where = server->server_address();
    nlohmann::json facts;
    try {
      facts = datagram() ? two_datagram_clients(demo, where) : two_stream_clients(demo, where);
    } catch (...) {
      server->shutdown();
      loop.join();
      server->server_close();
      throw;
    }
    server->shutdown();
    loop.join();
    server->server_close();  // joins threads, reaps children
    std::lock_guard lock(mutex_);
    if (auto* forking = dynamic_cast<sticky::ForkingSupport*>(server.get()))
      for (int pid : forking->started_children()) handlers_.insert(fmt::format("process {}", pid));
    facts["handled_by"] = handlers_;
    facts["distinct_handlers"] = handlers_.size();
    demo.say(fmt::format("handled by: {}", fmt::join(handlers_, ", ")));
    return facts;
  }

  nlohmann::json two_stream_clients(harness::Demo& demo, const sticky::Address& where) {
    std::string end = handler_ == "line" ? "\n" : "";
    auto first = demo.connect(where);
    first.send("hello" + end);
    first.recv(1024, 5000ms);
    auto second = demo.connect(where);
    second.send("world" + end);
    bool answered = true;
    try {
      second.recv(1024, 500ms);
    } catch (const sticky::TimeoutError&) {
      answered = false;
      demo.say("client 2: no answer after 500 ms — the server is still busy with client 1");
    }
    demo.say("client 1 leaves");
    first.shutdown_write();
    first.recv(1024, 5000ms);
    if (!answered) {
      second.recv(1024, 5000ms);
      demo.say("client 2: answered only now that client 1 has gone");
    } else {
      demo.say("client 2 was answered while client 1 was still connected");
    }
    second.shutdown_write();
    second.recv(1024, 5000ms);
    return {{"second_answered_while_first_connected", answered}};
  }

  nlohmann::json two_datagram_clients(harness::Demo& demo, const sticky::Address& where) {
    harness::DatagramSocket one(demo, sticky::connect_datagram(where), sticky::Side::client);
    harness::DatagramSocket two(demo, sticky::connect_datagram(where), sticky::Side::client);
    one.send_to("hello");
    two.send_to("world");
    bool both = !one.recv_from(1024, 5000ms).data.empty() && !two.recv_from(1024, 5000ms).data.empty();
    demo.say("Each datagram is a request of its own: nobody stays connected, so nobody waits for long.");
    return {{"second_answered_while_first_connected", both}};
  }

  static std::string summary(const std::vector<std::string>& modes, const nlohmann::json& facts) {
    std::vector<std::string> parts;
    for (const auto& mode : modes) {
      const auto& f = facts[mode];
      parts.push_back(fmt::format("{}: client 2 {} while client 1 was connected ({} handler{})", mode,
                                  f.value("second_answered_while_first_connected", false) ? "answered" : "waited",
                                  f.value("distinct_handlers", 0), f.value("distinct_handlers", 0) == 1 ? "" : "s"));
    }
    return fmt::format("{}", fmt::join(parts, "; "));
  }

  std::string kind_ = "tcp";
  std::string mode_ = "threading";
  CLI::Option* mode_option_ = nullptr;
  std::string handler_ = "upper";
  std::string path_ = "/tmp/sticky-09.sock";
  bool trace_calls_ = false;
  std::mutex mutex_;
  std::set<std::string> handlers_;
  std::string mode_of_call_;  // the mode being run in role both
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(9, "socketserver", "Python's socketserver in C++: sync, threading and forking servers");
  SocketServerDemo scenario;
  return demo.main(argc, argv, scenario);
}
