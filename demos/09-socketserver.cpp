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
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "harness/demo.hpp"
#include "sticky/error.hpp"
#include "sticky/server.hpp"
#include "speak/command_line.hpp"

namespace {

using namespace std::chrono_literals;
using speak::tr;

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The handlers' calls go into the demo's trace, so role server narrates (and --json records)
// what the server read and wrote, as role both does. Each connection gets the next server
// number, taken when the server dispatches it (process_request, in the server's thread):
// a handler thread or a forked child made after that finds its number waiting.
class Recorder {
 public:
  Recorder(harness::Demo* demo, bool forking) : demo_(demo), forking_(forking) {}
  bool on() const { return demo_ != nullptr; }
  void dispatched() {
    if (!demo_) return;
    std::lock_guard lock(mutex_);
    waiting_.push_back(demo_->next_conn_id(sticky::Side::server));
  }
  int take() {
    std::lock_guard lock(mutex_);
    if (waiting_.empty()) return 1;
    // A forked child's copy ends with its own number; a thread takes them in order.
    if (forking_) return waiting_.back();
    int id = waiting_.front();
    waiting_.pop_front();
    return id;
  }
  void record(sticky::Op op, int conn, std::string_view data, std::optional<std::size_t> want, bool datagram,
              std::uint64_t msg = 0) {
    if (!demo_) return;
    sticky::TraceEvent e;
    e.side = sticky::Side::server;
    e.conn = conn;
    e.op = op;
    e.data = std::string(data);
    e.want = want;
    e.datagram = datagram;
    if (msg) e.msg = msg;
    demo_->record(std::move(e));
  }

 private:
  harness::Demo* demo_;
  bool forking_;
  std::mutex mutex_;
  std::deque<int> waiting_;
};

// A stream handler whose reads and writes are recorded.
struct RecordedStreamHandler : sticky::StreamRequestHandler {
  RecordedStreamHandler(sticky::Request& r, const sticky::Address& a, sticky::BaseServer& s, Recorder& recorder)
      : StreamRequestHandler(r, a, s), recorder_(recorder), conn_(recorder.on() ? recorder.take() : 0) {}

 protected:
  std::string recv(std::size_t max) {
    std::string data = read_some(max);
    recorder_.record(sticky::Op::recv, conn_, data, max, false);
    return data;
  }
  std::string line() {
    std::string data = read_line();
    if (!data.empty()) recorder_.record(sticky::Op::frame, conn_, data, std::nullopt, false);
    return data;
  }
  void send(std::string_view data) {
    recorder_.record(sticky::Op::send, conn_, data, std::nullopt, false, ++messages_);
    write(data);
  }

 private:
  Recorder& recorder_;
  int conn_;
  std::uint64_t messages_ = 0;
};

// The classic handler: every chunk received goes back upper-cased, until the client leaves.
struct UpperHandler : RecordedStreamHandler {
  using RecordedStreamHandler::RecordedStreamHandler;
  void handle() override {
    for (auto data = recv(1024); !data.empty(); data = recv(1024)) send(upper(data));
  }
};

// Line by line: read a line, write it back.
struct LineHandler : RecordedStreamHandler {
  using RecordedStreamHandler::RecordedStreamHandler;
  void handle() override {
    for (auto got = line(); !got.empty(); got = line()) send(got);
  }
};

// One datagram in, one out; both recorded.
struct RecordedDatagramHandler : sticky::DatagramRequestHandler {
  RecordedDatagramHandler(sticky::Request& r, const sticky::Address& a, sticky::BaseServer& s, Recorder& recorder,
                          bool upper_case)
      : DatagramRequestHandler(r, a, s), recorder_(recorder), upper_(upper_case),
        conn_(recorder.on() ? recorder.take() : 0) {}
  void handle() override {
    recorder_.record(sticky::Op::recv, conn_, packet(), 1024, true);
    std::string answer = upper_ ? upper(std::string(packet())) : std::string(packet());
    recorder_.record(sticky::Op::send, conn_, answer, std::nullopt, true, 1);
    reply(answer);  // sent by finish()
  }

 private:
  Recorder& recorder_;
  bool upper_;
  int conn_;
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
      demo.print(reply.data);
      return;
    }
    auto conn = demo.connect(server);
    conn.send(message);
    conn.shutdown_write();
    std::string reply;
    for (auto piece = conn.recv(1024, 5000ms); !piece.empty(); piece = conn.recv(1024, 5000ms)) reply += piece;
    demo.print(reply);
  }

  bool datagram() const { return kind_ == "udp" || kind_ == "unix-dgram"; }

  void both(harness::Demo& demo) override {
    std::vector<std::string> modes = mode_option_->count() ? std::vector<std::string>{mode_}
                                                           : std::vector<std::string>{"sync", "threading", "forking"};
    nlohmann::json facts;
    bool observed = true;
    for (const auto& mode : modes) {
      if (datagram())
        demo.step(tr("{} server, {} mode: client 1 and client 2 each send one datagram (there is no "
                     "connection)", kind_, mode));
      else
        demo.step(tr("{} server, {} mode: client 1 connects and stays; client 2 sends \"world\"", kind_, mode));
      if (!datagram() && mode == "forking")
        demo.say(tr("(The forked handlers' own calls are not traced in role both: a child copies the parent's locks "
                    "as they are at fork(), possibly held. --role server --mode forking traces them.)"));
      auto result = run_mode(demo, mode);
      facts[mode] = result;
      if (datagram()) {
        observed = observed && result.value("both_answered", false);
      } else {
        bool concurrent = result.value("second_answered_while_first_connected", false);
        observed = observed && (mode == "sync" ? !concurrent : concurrent);
      }
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
    demo.announce_listening(server->server_address());
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
    if (!demo.options().json) fmt::print(stderr, "\n{}\n", tr("{}: stopped", demo.program()).local);
  }

 private:
  sticky::Address address(const harness::Demo& demo) const {
    if (kind_ == "unix" || kind_ == "unix-dgram") return sticky::Address::unix_path(path_);
    if (demo.options().role == "both") return sticky::Address::parse("127.0.0.1:0");
    return sticky::Address::ip(demo.options().host, static_cast<std::uint16_t>(demo.options().port));
  }

  std::unique_ptr<sticky::BaseServer> make(harness::Demo& demo, const std::string& mode, sticky::Address where) {
    recorder_ = std::make_unique<Recorder>(&demo, mode == "forking");
    Recorder& recorder = *recorder_;
    bool upper_case = handler_ != "line";
    sticky::HandlerFactory factory;
    if (datagram())
      factory = [&recorder, upper_case](sticky::Request& r, const sticky::Address& a, sticky::BaseServer& s) {
        return std::make_unique<RecordedDatagramHandler>(r, a, s, recorder, upper_case);
      };
    else if (upper_case)
      factory = [&recorder](sticky::Request& r, const sticky::Address& a, sticky::BaseServer& s) {
        return std::make_unique<UpperHandler>(r, a, s, recorder);
      };
    else
      factory = [&recorder](sticky::Request& r, const sticky::Address& a, sticky::BaseServer& s) {
        return std::make_unique<LineHandler>(r, a, s, recorder);
      };
    auto server = sticky::make_server(kind_, mode, std::move(where), std::move(factory));
    // Who handled each request: the thread that ran the handler (a forked child is counted
    // from the parent, by the pids the server forked).
    server->on_call = [this, &demo](std::string_view call, std::string_view detail) {
      if (call == "process_request") recorder_->dispatched();
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
      demo.record(std::move(e));
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
    std::vector<speak::Text> handlers;
    for (const auto& h : handlers_) {
      auto space = h.find(' ');
      std::string number = h.substr(space + 1);
      handlers.push_back(h.starts_with("thread") ? tr("thread {}", number) : tr("process {}", number));
    }
    demo.say(tr("handled by: {}", speak::join(handlers, tr(", "))));
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
      demo.say(tr("client 2: no answer after 500 ms — the server is still busy with client 1"));
    }
    demo.say(tr("client 1 leaves"));
    first.shutdown_write();
    first.recv(1024, 5000ms);
    if (!answered) {
      second.recv(1024, 5000ms);
      demo.say(tr("client 2: answered only now that client 1 has gone"));
    } else {
      demo.say(tr("client 2 was answered while client 1 was still connected"));
    }
    second.shutdown_write();
    second.recv(1024, 5000ms);
    return {{"second_answered_while_first_connected", answered}};
  }

  nlohmann::json two_datagram_clients(harness::Demo& demo, const sticky::Address& where) {
    harness::DatagramSocket one(demo, sticky::connect_datagram(where), sticky::Side::client,
                                demo.next_conn_id(sticky::Side::client));
    harness::DatagramSocket two(demo, sticky::connect_datagram(where), sticky::Side::client,
                                demo.next_conn_id(sticky::Side::client));
    one.send_to("hello");
    two.send_to("world");
    bool both = !one.recv_from(1024, 5000ms).data.empty() && !two.recv_from(1024, 5000ms).data.empty();
    demo.say(tr("Each datagram is a request of its own, handled and answered at once: with no connection, no "
                "client holds the server, so even the synchronous one answers both."));
    return {{"both_answered", both}};
  }

  speak::Text summary(const std::vector<std::string>& modes, const nlohmann::json& facts) const {
    std::vector<speak::Text> parts;
    for (const auto& mode : modes) {
      const auto& f = facts[mode];
      speak::Text what = f.contains("both_answered")
                               ? (f.value("both_answered", false) ? tr("both datagrams answered")
                                                                  : tr("a datagram unanswered"))
                           : f.value("second_answered_while_first_connected", false)
                               ? tr("client 2 answered while client 1 was connected")
                               : tr("client 2 waited while client 1 was connected");
      int handlers = f.value("distinct_handlers", 0);
      parts.push_back(handlers == 1 ? tr("{}: {} ({} handler)", mode, what, handlers)
                                    : tr("{}: {} ({} handlers)", mode, what, handlers));
    }
    return speak::join(parts, tr("; "));
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
  std::unique_ptr<Recorder> recorder_;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(9, "socketserver", "Python's socketserver in C++: sync, threading and forking servers");
  SocketServerDemo scenario;
  return demo.main(argc, argv, scenario);
}
