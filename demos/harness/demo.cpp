#include "harness/demo.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <thread>

#include "speak/narrator.hpp"
#include "sticky/error.hpp"
#include "sticky/trace_json.hpp"
#include "speak/command_line.hpp"

namespace harness {

using sticky::Op;
using sticky::Side;

// ------------------------------------------------------------------------------------ Conn

Conn::Conn(Demo& demo, sticky::Fd fd, Side side, int id)
    : demo_(&demo), fd_(std::move(fd)), side_(side), id_(id) {}

void Conn::record_send(std::string_view data, bool new_message) {
  if (new_message || msg_ == 0) ++msg_;
  sticky::TraceEvent e;
  e.side = side_;
  e.conn = id_;
  e.op = Op::send;
  e.msg = msg_;
  e.data = std::string(data);
  demo_->record(std::move(e));
}

// A send is recorded before the bytes go: the peer's recv may be recorded (on another
// thread) before send() even returns, and a trace must never show bytes arriving unsent.
void Conn::send(std::string_view data) {
  record_send(data, true);
  sticky::send_all(fd_.get(), data);
}

void Conn::send_more(std::string_view data) {
  record_send(data, false);
  sticky::send_all(fd_.get(), data);
}

void Conn::send_gather(std::string_view header, std::string_view body) {
  record_send(std::string(header) + std::string(body), true);
  sticky::send_gather(fd_.get(), {header, body});
}

std::string Conn::recv(std::size_t want, sticky::Timeout timeout) {
  Predictor::Question question;
  std::string data;
  if (auto* p = demo_->predictor()) {
    // The story so far on the screen, then the question.
    question = p->ask(side_, id_, want, false, [this] { demo_->wait_for_narration(); });
    data = p->patiently(timeout, [&](sticky::Timeout t) { return sticky::recv_some(fd_.get(), want, t); });
  } else {
    data = sticky::recv_some(fd_.get(), want, timeout);
  }
  sticky::TraceEvent e;
  e.side = side_;
  e.conn = id_;
  e.op = Op::recv;
  e.want = want;
  e.data = data;
  demo_->record(std::move(e));
  if (auto* p = demo_->predictor()) p->tell(question, data.size());
  return data;
}

std::string Conn::recv_exact(std::size_t n, sticky::Timeout timeout) {
  std::string out;
  while (out.size() < n) {
    std::string piece = recv(n - out.size(), timeout);
    if (piece.empty()) break;
    out += piece;
  }
  return out;
}

void Conn::use_codec(const sticky::CodecSpec& spec, sticky::Timeout timeout) {
  codec_ = sticky::make_codec(spec);
  codec_words_ = sticky::to_string(spec);
  sticky::FramedConnection::Io io{
      [this, timeout](char* buffer, std::size_t max) {
        std::string got = recv(max, timeout);
        std::memcpy(buffer, got.data(), got.size());
        return got.size();
      },
      [this](std::string_view bytes) { send(bytes); }};
  framed_ = std::make_unique<sticky::FramedConnection>(std::move(io), *codec_);
}

std::optional<std::string> Conn::read_frame() {
  if (!framed_) throw std::logic_error("read_frame() before use_codec()");
  auto payload = framed_->read_frame();
  if (payload) frame(*payload);
  return payload;
}

void Conn::write_frame(std::string_view payload) {
  if (!framed_) throw std::logic_error("write_frame() before use_codec()");
  framed_->write_frame(payload);
}

void Conn::frame(std::string_view payload) {
  sticky::TraceEvent e;
  e.side = side_;
  e.conn = id_;
  e.op = Op::frame;
  e.data = std::string(payload);
  e.codec = codec_words_;
  demo_->record(std::move(e));
}

void Conn::shutdown_write() { ::shutdown(fd_.get(), SHUT_WR); }

// -------------------------------------------------------------------------- DatagramSocket

DatagramSocket::DatagramSocket(Demo& demo, sticky::Fd fd, Side side, int id)
    : demo_(&demo), fd_(std::move(fd)), side_(side), id_(id) {}

void DatagramSocket::send_to(std::string_view data, const sticky::Address* to) {
  sticky::TraceEvent e;
  e.side = side_;
  e.conn = id_;
  e.op = Op::send;
  e.msg = ++msg_;
  e.data = std::string(data);
  e.datagram = true;
  demo_->record(std::move(e));
  sticky::send_datagram(fd_.get(), data, to);
}

sticky::Datagram DatagramSocket::recv_from(std::size_t max, sticky::Timeout timeout) {
  Predictor::Question question;
  sticky::Datagram d;
  if (auto* p = demo_->predictor()) {
    question = p->ask(side_, id_, max, true, [this] { demo_->wait_for_narration(); });
    d = p->patiently(timeout, [&](sticky::Timeout t) { return sticky::recv_datagram(fd_.get(), max, t); });
  } else {
    d = sticky::recv_datagram(fd_.get(), max, timeout);
  }
  sticky::TraceEvent e;
  e.side = side_;
  e.conn = id_;
  e.op = Op::recv;
  e.want = max;
  e.data = d.data;
  e.datagram = true;
  e.truncated = d.truncated;
  e.full_size = d.full_size;
  demo_->record(std::move(e));
  if (auto* p = demo_->predictor()) p->tell(question, d.data.size());
  return d;
}

// ------------------------------------------------------------------------------- Scenarios

namespace {
sticky::Address listen_address(const Demo& demo) {
  return sticky::Address::ip(demo.options().host, static_cast<std::uint16_t>(demo.options().port));
}
}  // namespace

void StreamScenario::both(Demo& demo) {
  demo.with_local_server(*this, [&](const sticky::Address& server) { client(demo, server); });
}

void StreamScenario::serve_role(Demo& demo) {
  exit_cleanly_on_interrupt(demo.program());
  auto server = demo.make_server(*this, listen_address(demo));
  demo.announce_listening(server->server_address());
  if (demo.options().once) server->handle_request();
  else server->serve_forever();
}

void DatagramScenario::serve_role(Demo& demo) {
  exit_cleanly_on_interrupt(demo.program());
  DatagramSocket socket(demo, sticky::bind_datagram(listen_address(demo)), Side::server);
  demo.announce_listening(sticky::local_address(socket.fd()));
  serve_datagrams(demo, socket, demo.options().once);
}

// ------------------------------------------------------------------------------------ Demo

namespace {

// Recording goes through this gate, and fork() takes it first (pthread_atfork): a forked
// child — demo 09's forking server — then never inherits the trace or the narration locked
// by a thread that does not exist in it, and may record its own calls.
std::mutex record_gate;
void register_fork_gate() {
  static std::once_flag once;
  std::call_once(once, [] {
    ::pthread_atfork([] { record_gate.lock(); }, [] { record_gate.unlock(); }, [] { record_gate.unlock(); });
  });
}

// One connection of a demo's server: the scenario serves it; its trouble (a reset, a
// hostile length) ends that connection, not the server.
class ScenarioHandler : public sticky::BaseRequestHandler {
 public:
  ScenarioHandler(sticky::Request& request, const sticky::Address& client, sticky::BaseServer& server, Demo& demo,
                  StreamScenario& scenario)
      : BaseRequestHandler(request, client, server), demo_(demo), scenario_(scenario) {}
  void handle() override {
    Conn conn = demo_.adopt(std::move(request.connection), Side::server);
    try {
      scenario_.serve(demo_, conn);
    } catch (const std::exception& e) {
      demo_.error(tr("connection {} from {}: {}", conn.id(), client_address.to_string(), localized(e.what())),
                  Side::server);
    }
  }

 private:
  Demo& demo_;
  StreamScenario& scenario_;
};

class ScenarioServer : public sticky::TCPServer {
 public:
  ScenarioServer(const sticky::Address& where, sticky::HandlerFactory factory, Demo& demo)
      : TCPServer(where, std::move(factory), false), demo_(demo) {
    request_queue_size = 128;
    server_bind();
    server_activate();
  }
  void handle_error(const sticky::Address& client, std::exception_ptr error) override {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      demo_.error(plus(same(client.to_string() + ": "), localized(e.what())), Side::server);
    } catch (...) {
      demo_.error(tr("{}: unknown error", client.to_string()), Side::server);
    }
  }

 private:
  Demo& demo_;
};

const char* interrupted_message = nullptr;

void on_interrupt(int) {
  // Only async-signal-safe calls here: say goodbye and leave; the kernel closes the sockets.
  if (interrupted_message) {
    [[maybe_unused]] auto ignored = ::write(2, interrupted_message, std::strlen(interrupted_message));
  }
  ::_exit(0);
}

}  // namespace

void exit_cleanly_on_interrupt(const std::string& program) {
  static std::string message;
  message = "\n" + tr("{}: interrupted, server stopped", program).local + "\n";
  interrupted_message = message.c_str();
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

struct Demo::LocalServer {
  std::unique_ptr<sticky::TCPServer> server;
  std::thread thread;
};

Demo::Demo(int number, std::string name, std::string summary)
    : number_(number), program_(fmt::format("{:02}-{}", number, name)), summary_(std::move(summary)) {
  options_.port = 9000 + number;
  register_fork_gate();
}

sticky::TraceEvent Demo::record(sticky::TraceEvent event) {
  std::lock_guard lock(record_gate);
  return trace_.record(std::move(event));
}

Demo::~Demo() { stop_local_server(); }

int Demo::main(int argc, char** argv, Scenario& scenario) {
  CLI::App app{summary_, program_};
  app.add_option("--role", options_.role, "both: server and client in this process; or one of them")
      ->check(CLI::IsMember({"both", "server", "client"}))
      ->capture_default_str();
  app.add_option("--host", options_.host, "address to bind (server) or connect to (client)")->capture_default_str();
  app.add_option("--port", options_.port, "port; 0 lets the OS pick (server)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_flag("--once", options_.once, "server: serve one connection, then exit");
  auto* step = app.add_option("--step", options_.step_mode,
                               "on a terminal, pause until Enter before each call and each part; "
                               "--step=parts: before each part only")
                   ->expected(0, 1)
                   ->type_name("[=parts]")
                   ->check(CLI::IsMember({"calls", "parts"}).description(""));
  app.add_flag("--json", options_.json, "print the trace as JSON Lines instead of narration");
  app.add_flag("--no-color", options_.no_color, "no colour (also: NO_COLOR, or stdout not a terminal)");
  app.add_flag("--predict", options_.predict, "with --step on a terminal: guess what each recv() returns, then see");
  app.add_option("--lang", options_.lang, "en or zh (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)");
  scenario.add_options(app);
  app.footer(fmt::format("\nExit status: 0 the demo ran (whether the effect was seen is in the result),\n"
                         "1 a runtime failure, 2 a usage error. Lesson: lessons/{}.md",
                         program_));
  if (auto status = speak::cli::parse(app, argc, argv)) return *status;

  if (!use_language(program_, options_.lang)) return 2;
  ::signal(SIGPIPE, SIG_IGN);  // a vanished peer is an error to report, not a silent death
  colour_ = !options_.json && !options_.no_color && !std::getenv("NO_COLOR") && ::isatty(1);
  if (step->count() && options_.step_mode.empty()) options_.step_mode = "calls";
  options_.step = !options_.step_mode.empty();
  if (options_.json) {
    trace_.add_listener(sticky::json_lines_writer(std::cout));
  } else {
    Pace pace = options_.step_mode == "calls" ? Pace::calls : options_.step_mode == "parts" ? Pace::parts : Pace::none;
    narrator_.emplace(stdout, colour_, &narrate_io_, pace);
    trace_.add_listener(*narrator_);
  }
  // Guessing needs someone at a terminal to guess; the trace and the JSON never change.
  if (options_.predict && !options_.json && ::isatty(0)) {
    predictor_ = std::make_unique<Predictor>(stdout);
    trace_.add_listener([p = predictor_.get()](const sticky::TraceEvent& e) { (*p)(e); });
  }
  sticky::TraceEvent meta;
  meta.op = Op::meta;
  meta.program = program_;
  meta.pid = ::getpid();
  meta.extra = R"({"format":1})";
  record(std::move(meta));

  return speak::run(program_, [&] {
    try {
      if (options_.role == "server") scenario.serve_role(*this);
      else if (options_.role == "client") scenario.client(*this, listen_address(*this));
      else scenario.both(*this);
      // Every run ends with a result (README.md, "Every demo takes the same options"); a side that cannot judge alone says so.
      auto events = trace_.events();
      bool judged = std::any_of(events.begin(), events.end(), [](const auto& e) { return e.op == Op::result; });
      if (!judged)
        result(false, {{"role", options_.role}},
               options_.role == "server"
                   ? tr("the server alone cannot tell whether the effect happened: read its calls above, or run "
                        "role both")
                   : tr("the client alone cannot tell whether the effect happened: read its calls above, or run "
                        "role both"));
    } catch (...) {
      if (narrator_) narrator_->flush();  // the story so far, then the error
      throw;
    }
    if (narrator_) narrator_->flush();
    if (predictor_) predictor_->summary();
    return 0;
  });
}

void Demo::print(std::string text) {
  if (options_.json) return;
  std::lock_guard lock(record_gate);
  if (narrator_) narrator_->print(std::move(text));
}

void Demo::wait_for_narration() {
  if (narrator_) narrator_->flush();
  std::fflush(stdout);
}

void Demo::reading_terminal(bool on) {
  if (narrator_) narrator_->set_pausing(!on);
}

void Demo::announce_listening(const sticky::Address& where) {
  if (options_.json) {
    say("listening on " + where.to_string());
  } else {
    narrator_->print("listening on " + where.to_string());
    narrator_->flush();  // out before the first accept(), as the contract promises
  }
  std::fflush(stdout);
}

void Demo::step(std::string heading) {
  sticky::TraceEvent e;
  e.op = Op::step;
  e.text = heading;
  record(std::move(e));  // the narrator pauses before it, with --step
}

void Demo::say(std::string text) {
  sticky::TraceEvent e;
  e.op = Op::note;
  e.text = std::move(text);
  record(std::move(e));
}

void Demo::error(std::string text, Side side) {
  sticky::TraceEvent e;
  e.op = Op::error;
  e.side = side;
  e.text = std::move(text);
  record(std::move(e));
}

void Demo::result(bool observed, const nlohmann::json& facts, std::string summary) {
  sticky::TraceEvent e;
  e.op = Op::result;
  e.observed = observed;
  e.facts = facts.dump();
  e.text = std::move(summary);
  record(std::move(e));
}

int Demo::next_conn_id(Side side) { return ++(side == Side::server ? server_ids_ : client_ids_); }

Conn Demo::connect(const sticky::Address& server, Side side) {
  auto fd = sticky::connect_stream(server, sticky::Millis(5000));
  int id = next_conn_id(side);
  return Conn(*this, std::move(fd), side, id);
}

Conn Demo::adopt(sticky::Fd fd, Side side) {
  int id = next_conn_id(side);
  return Conn(*this, std::move(fd), side, id);
}

std::unique_ptr<sticky::TCPServer> Demo::make_server(StreamScenario& scenario, const sticky::Address& where) {
  auto factory = [this, &scenario](sticky::Request& r, const sticky::Address& a, sticky::BaseServer& s) {
    return std::make_unique<ScenarioHandler>(r, a, s, *this, scenario);
  };
  return std::make_unique<ScenarioServer>(where, factory, *this);
}

sticky::Address Demo::start_local_server(StreamScenario& scenario) {
  local_ = std::make_unique<LocalServer>();
  local_->server = make_server(scenario, sticky::Address::parse("127.0.0.1:0"));
  local_->thread = std::thread([this] {
    try {
      local_->server->serve_forever();
    } catch (const std::exception& e) {
      error(localized(e.what()), Side::server);
    }
  });
  return local_->server->server_address();
}

void Demo::stop_local_server() {
  if (!local_) return;
  local_->server->shutdown();
  if (local_->thread.joinable()) local_->thread.join();
  local_->server->server_close();
  local_.reset();
}

}  // namespace harness
