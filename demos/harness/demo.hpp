// What every demo shares, so that a demo file holds only its phenomenon.
//
// A demo is a Scenario: what the server does with one connection, what the client does, and
// (optionally) how role `both` runs them together. The harness gives it the command-line
// contract of DESIGN.md (--role, --host, --port, --once, --step, --json, --no-color), and a
// Conn whose send/recv calls are recorded in the trace — narrated on a terminal, JSON Lines
// with --json — so no demo writes its trace by hand.
//
//   struct Merge : harness::Scenario {
//     void serve(harness::Demo& demo, harness::Conn& conn) override { conn.recv(1024); }
//     void client(harness::Demo& demo, const sticky::Address& server) override {
//       auto conn = demo.connect(server);
//       conn.send("hello");
//     }
//   };
//   int main(int argc, char** argv) { return harness::Demo(1, "nagle-merge", "…").main(argc, argv, Merge{}); }
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "harness/cli.hpp"
#include "sticky/io.hpp"
#include "sticky/socket.hpp"
#include "sticky/trace.hpp"

namespace harness {

class Demo;

// One end of a stream connection whose every call is recorded.
class Conn {
 public:
  Conn(Demo& demo, sticky::Fd fd, std::string side, int id);
  Conn(Conn&&) = default;

  int fd() const { return fd_.get(); }
  const std::string& side() const { return side_; }
  int id() const { return id_; }

  // Sends every byte (looping over partial sends) as one application message.
  void send(std::string_view data);
  // Sends more bytes of the message the last send() started (a header, then its body).
  void send_more(std::string_view data);
  // Header and body of one message in one writev() call.
  void send_gather(std::string_view header, std::string_view body);
  // One recv() of at most `want` bytes; empty at end of stream.
  std::string recv(std::size_t want, sticky::Timeout timeout = std::nullopt);
  // recv() until `n` bytes came or the peer closed; each recv() is recorded.
  std::string recv_exact(std::size_t n, sticky::Timeout timeout = std::nullopt);
  // Records a message the application decoded from the stream.
  void frame(std::string_view payload);
  void shutdown_write();
  sticky::TcpSegments segments() const { return sticky::tcp_segments(fd_.get()); }
  sticky::Fd& socket() { return fd_; }

 private:
  void record_send(std::string_view data, bool new_message);
  Demo* demo_;
  sticky::Fd fd_;
  std::string side_;
  int id_;
  std::uint64_t msg_ = 0;
};

// A datagram socket whose every sendto/recvfrom is recorded. Datagrams keep their
// boundaries, so each recv shows the datagram it got (or the part that fitted).
class DatagramSocket {
 public:
  DatagramSocket(Demo& demo, sticky::Fd fd, std::string side);
  int fd() const { return fd_.get(); }
  // `to` may be omitted on a connected socket.
  void send_to(std::string_view data, const sticky::Address* to = nullptr);
  sticky::Datagram recv_from(std::size_t max, sticky::Timeout timeout = std::nullopt);

 private:
  Demo* demo_;
  sticky::Fd fd_;
  std::string side_;
  std::uint64_t msg_ = 0;
};

class Scenario {
 public:
  virtual ~Scenario() = default;
  // The demo's own options.
  virtual void add_options(CLI::App&) {}
  // Server side of one connection.
  virtual void serve(Demo&, Conn&) { throw std::logic_error("this demo serves datagrams, not connections"); }
  // The client side, against a server at `server` (ours in role both, anyone's otherwise).
  virtual void client(Demo& demo, const sticky::Address& server) = 0;
  // Role both; by default our server on 127.0.0.1 with an OS-chosen port, then client().
  virtual void both(Demo& demo);
  // A datagram demo serves a bound UDP socket instead of accepting connections.
  virtual bool datagram() const { return false; }
  // Serves datagrams until interrupted (or one exchange when `once`).
  virtual void serve_datagrams(Demo&, DatagramSocket&, bool /*once*/) {}
  // A demo that brings its own server for role server returns true after running it.
  virtual bool run_server(Demo&) { return false; }
};

struct Options {
  std::string role = "both";
  std::string host = "127.0.0.1";
  int port = 0;
  bool once = false;
  bool step = false;
  bool json = false;
  bool no_color = false;
};

class Demo {
 public:
  // number 1 -> "01-name", default port 9001.
  Demo(int number, std::string name, std::string summary);
  ~Demo();

  // Parses, runs the role, returns the exit status: 0 ran, 1 runtime failure, 2 usage.
  int main(int argc, char** argv, Scenario& scenario);

  const Options& options() const { return options_; }
  const std::string& program() const { return program_; }
  sticky::Trace& trace() { return trace_; }
  bool colour() const { return colour_; }
  // Whether each send/recv is narrated (it is always in the trace). Off for long loops.
  void narrate_io(bool on) { narrate_io_ = on; }

  // Narration, recorded in the trace too.
  void step(std::string heading);   // a heading; with --step, waits for Enter on a terminal
  void say(std::string text);       // a line of explanation
  void error(std::string text, std::string side = {});
  void result(bool observed, nlohmann::json facts, std::string summary);

  // Recorded connections.
  Conn connect(const sticky::Address& server, std::string side = "client");
  Conn adopt(sticky::Fd fd, std::string side);
  int next_conn_id(const std::string& side);

  // Serves connections on `listener` one at a time with scenario.serve() until stop_serving()
  // (or one connection with `once`). A failing connection is reported; the next is served.
  void serve_loop(int listener, Scenario& scenario, bool once);
  void stop_serving();

  // Runs `client` while a thread serves connections on a fresh 127.0.0.1 listener.
  template <typename F>
  void with_local_server(Scenario& scenario, F&& client);
  sticky::Address start_local_server(Scenario& scenario);
  void stop_local_server();

 private:
  int number_;
  std::string program_;
  std::string summary_;
  Options options_;
  sticky::Trace trace_;
  bool colour_ = false;
  std::atomic<bool> narrate_io_{true};
  std::atomic<int> client_ids_{0}, server_ids_{0};
  struct LocalServer;
  std::unique_ptr<LocalServer> local_;
  int stop_fd_ = -1;
};

template <typename F>
void Demo::with_local_server(Scenario& scenario, F&& client) {
  auto address = start_local_server(scenario);
  try {
    client(address);
  } catch (...) {
    stop_local_server();
    throw;
  }
  stop_local_server();
}

}  // namespace harness
