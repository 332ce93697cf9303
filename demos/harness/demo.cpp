#include "harness/demo.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "harness/narrator.hpp"
#include "sticky/error.hpp"

namespace harness {

// ------------------------------------------------------------------------------------ Conn

Conn::Conn(Demo& demo, sticky::Fd fd, std::string side, int id)
    : demo_(&demo), fd_(std::move(fd)), side_(std::move(side)), id_(id) {}

void Conn::record_send(std::string_view data, bool new_message) {
  if (new_message || msg_ == 0) ++msg_;
  sticky::TraceEvent e;
  e.side = side_;
  e.conn = id_;
  e.op = "send";
  e.msg = msg_;
  e.data = std::string(data);
  demo_->trace().record(std::move(e));
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
  std::string data = sticky::recv_some(fd_.get(), want, timeout);
  sticky::TraceEvent e;
  e.side = side_;
  e.conn = id_;
  e.op = "recv";
  e.want = want;
  e.data = data;
  demo_->trace().record(std::move(e));
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

void Conn::frame(std::string_view payload) {
  sticky::TraceEvent e;
  e.side = side_;
  e.conn = id_;
  e.op = "frame";
  e.data = std::string(payload);
  demo_->trace().record(std::move(e));
}

void Conn::shutdown_write() { ::shutdown(fd_.get(), SHUT_WR); }

// -------------------------------------------------------------------------- DatagramSocket

DatagramSocket::DatagramSocket(Demo& demo, sticky::Fd fd, std::string side)
    : demo_(&demo), fd_(std::move(fd)), side_(std::move(side)) {}

void DatagramSocket::send_to(std::string_view data, const sticky::Address* to) {
  sticky::TraceEvent e;
  e.side = side_;
  e.conn = 1;
  e.op = "send";
  e.msg = ++msg_;
  e.data = std::string(data);
  e.facts = {{"datagram", true}};
  demo_->trace().record(std::move(e));
  sticky::send_datagram(fd_.get(), data, to);
}

sticky::Datagram DatagramSocket::recv_from(std::size_t max, sticky::Timeout timeout) {
  auto d = sticky::recv_datagram(fd_.get(), max, timeout);
  sticky::TraceEvent e;
  e.side = side_;
  e.conn = 1;
  e.op = "recv";
  e.want = max;
  e.data = d.data;
  e.facts = {{"datagram", true}, {"truncated", d.truncated}, {"full_size", d.full_size}};
  demo_->trace().record(std::move(e));
  return d;
}

// -------------------------------------------------------------------------------- Scenario

void Scenario::both(Demo& demo) {
  demo.with_local_server(*this, [&](const sticky::Address& server) { client(demo, server); });
}

// ------------------------------------------------------------------------------------ Demo

struct Demo::LocalServer {
  sticky::Fd listener;
  sticky::Fd stop;
  std::thread thread;
};

Demo::Demo(int number, std::string name, std::string summary)
    : number_(number), program_(fmt::format("{:02}-{}", number, name)), summary_(std::move(summary)) {
  options_.port = 9000 + number;
}

Demo::~Demo() { stop_local_server(); }

namespace {
const char* interrupted_message = nullptr;

void on_interrupt(int) {
  // Only async-signal-safe calls here: say goodbye and leave; the kernel closes the sockets.
  if (interrupted_message) {
    [[maybe_unused]] auto ignored = ::write(2, interrupted_message, std::strlen(interrupted_message));
  }
  ::_exit(0);
}

void exit_cleanly_on_interrupt(const std::string& program) {
  static std::string message;
  message = "\n" + program + ": interrupted, server stopped\n";
  interrupted_message = message.c_str();
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}
}  // namespace

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
  app.add_flag("--step", options_.step, "pause before each step until Enter (on a terminal)");
  app.add_flag("--json", options_.json, "print the trace as JSON Lines instead of narration");
  app.add_flag("--no-color", options_.no_color, "no colour (also: NO_COLOR, or stdout not a terminal)");
  scenario.add_options(app);
  app.footer(fmt::format("\nExit status: 0 the demo ran (whether the effect was seen is in the result),\n"
                         "1 a runtime failure, 2 a usage error. Lesson: lessons/{}.md",
                         program_));
  if (auto status = parse(app, argc, argv)) return *status;

  ::signal(SIGPIPE, SIG_IGN);  // a vanished peer is an error to report, not a silent death
  colour_ = !options_.json && !options_.no_color && !std::getenv("NO_COLOR") && ::isatty(1);
  if (options_.json)
    trace_.add_listener(sticky::json_lines_writer(std::cout));
  else
    trace_.add_listener(Narrator(stdout, colour_, &narrate_io_));

  try {
    if (options_.role == "server" && scenario.run_server(*this)) {
      // the scenario served until it was told to stop
    } else if (options_.role == "server" && scenario.datagram()) {
      exit_cleanly_on_interrupt(program_);
      DatagramSocket socket(*this, sticky::bind_datagram(sticky::Address::ip(options_.host, static_cast<std::uint16_t>(options_.port))), "server");
      auto where = sticky::local_address(socket.fd()).to_string();
      if (options_.json) say("listening on " + where);
      else fmt::print("listening on {}\n", where);
      std::fflush(stdout);
      scenario.serve_datagrams(*this, socket, options_.once);
    } else if (options_.role == "server") {
      exit_cleanly_on_interrupt(program_);
      sticky::Fd listener = sticky::listen_stream(sticky::Address::ip(options_.host, static_cast<std::uint16_t>(options_.port)));
      auto where = sticky::local_address(listener.get()).to_string();
      if (options_.json) say("listening on " + where);
      else fmt::print("listening on {}\n", where);
      std::fflush(stdout);
      serve_loop(listener.get(), scenario, options_.once);
    } else if (options_.role == "client") {
      scenario.client(*this, sticky::Address::ip(options_.host, static_cast<std::uint16_t>(options_.port)));
    } else {
      scenario.both(*this);
    }
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "{}: {}\n", program_, e.what());
    return 1;
  }
  return 0;
}

void Demo::step(std::string heading) {
  sticky::TraceEvent e;
  e.op = "step";
  e.text = heading;
  trace_.record(std::move(e));
  if (options_.step && ::isatty(0)) {
    fmt::print("{}", colour_ ? "\033[2m  [Enter] \033[0m" : "  [Enter] ");
    std::fflush(stdout);
    std::string ignored;
    std::getline(std::cin, ignored);
  }
}

void Demo::say(std::string text) {
  sticky::TraceEvent e;
  e.op = "note";
  e.text = std::move(text);
  trace_.record(std::move(e));
}

void Demo::error(std::string text, std::string side) {
  sticky::TraceEvent e;
  e.op = "error";
  e.side = std::move(side);
  e.text = std::move(text);
  trace_.record(std::move(e));
}

void Demo::result(bool observed, nlohmann::json facts, std::string summary) {
  sticky::TraceEvent e;
  e.op = "result";
  e.observed = observed;
  e.facts = std::move(facts);
  e.text = std::move(summary);
  trace_.record(std::move(e));
}

int Demo::next_conn_id(const std::string& side) {
  return ++(side == "server" ? server_ids_ : client_ids_);
}

Conn Demo::connect(const sticky::Address& server, std::string side) {
  auto fd = sticky::connect_stream(server, sticky::Millis(5000));
  int id = next_conn_id(side);
  return Conn(*this, std::move(fd), std::move(side), id);
}

Conn Demo::adopt(sticky::Fd fd, std::string side) {
  int id = next_conn_id(side);
  return Conn(*this, std::move(fd), std::move(side), id);
}

void Demo::serve_loop(int listener, Scenario& scenario, bool once) {
  for (;;) {
    pollfd fds[2] = {{listener, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int rc = ::poll(fds, stop_fd_ >= 0 ? 2 : 1, -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) sticky::throw_errno("poll", "listener");
    if (stop_fd_ >= 0 && fds[1].revents) return;
    sticky::Address peer;
    sticky::Fd fd;
    try {
      fd = sticky::accept_connection(listener, &peer);
    } catch (const sticky::SystemError& e) {
      error(e.what(), "server");
      continue;
    }
    Conn conn = adopt(std::move(fd), "server");
    try {
      scenario.serve(*this, conn);
    } catch (const std::exception& e) {
      // One client's trouble (a reset, a hostile length) ends its connection, not the server.
      error(fmt::format("connection {} from {}: {}", conn.id(), peer.to_string(), e.what()), "server");
    }
    if (once) return;
  }
}

sticky::Address Demo::start_local_server(Scenario& scenario) {
  local_ = std::make_unique<LocalServer>();
  local_->listener = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
  int fd = ::eventfd(0, EFD_CLOEXEC);
  if (fd < 0) sticky::throw_errno("eventfd");
  local_->stop.reset(fd);
  stop_fd_ = fd;
  auto address = sticky::local_address(local_->listener.get());
  local_->thread = std::thread([this, &scenario] {
    try {
      serve_loop(local_->listener.get(), scenario, false);
    } catch (const std::exception& e) {
      error(e.what(), "server");
    }
  });
  return address;
}

void Demo::stop_local_server() {
  if (!local_) return;
  stop_serving();
  if (local_->thread.joinable()) local_->thread.join();
  local_.reset();
  stop_fd_ = -1;
}

void Demo::stop_serving() {
  if (stop_fd_ < 0) return;
  std::uint64_t one = 1;
  [[maybe_unused]] auto ignored = ::write(stop_fd_, &one, sizeof one);
}

}  // namespace harness
