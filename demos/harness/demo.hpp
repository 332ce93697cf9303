// What every demo shares, so that a demo file holds only its phenomenon.
//
// A demo is a Scenario: what the server does with one connection, what the client does, and
// (optionally) how role `both` runs them together. The harness gives it the command-line
// contract of README.md (--role, --host, --port, --once, --step, --json, --no-color), and a
// Conn whose send/recv calls are recorded in the trace — narrated on a terminal, JSON Lines
// with --json — so no demo writes its trace by hand.
//
// The smallest whole demo is demos/harness/example.cpp (compiled with every build); README's
// "Adding a demo" says what else a new demo needs.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "harness/predict.hpp"
#include "speak/narrator.hpp"
#include "speak/text.hpp"
#include "sticky/codec_spec.hpp"
#include "sticky/framed.hpp"
#include "sticky/io.hpp"
#include "sticky/server.hpp"
#include "sticky/socket.hpp"
#include "sticky/trace.hpp"

// Only a demo that adds options of its own includes CLI11 (speak/command_line.hpp).
namespace CLI {
class App;
}

namespace harness {

// The harness speaks through the speaking layer: tr(), Text, the narrator.
using namespace speak;

class Demo;

// One end of a stream connection whose every call is recorded.
class Conn {
 public:
  Conn(Demo& demo, sticky::Fd fd, sticky::Side side, int id);
  Conn(Conn&&) = default;

  int fd() const { return fd_.get(); }
  sticky::Side side() const { return side_; }
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

  // Messages, framed by `spec` (sticky/framed.hpp): each recv() it makes is recorded, and
  // each frame with the codec that found it, so a viewer shows the decoder's state.
  void use_codec(const sticky::CodecSpec& spec, sticky::Timeout timeout = std::nullopt);
  bool has_codec() const { return framed_ != nullptr; }
  std::optional<std::string> read_frame();   // nullopt: the peer closed between frames
  void write_frame(std::string_view payload);  // one message: header and body in one send
  // Records a message the application decoded from the stream by other means.
  void frame(std::string_view payload);

  void shutdown_write();
  sticky::TcpSegments segments() const { return sticky::tcp_segments(fd_.get()); }
  sticky::Fd& socket() { return fd_; }

 private:
  void record_send(std::string_view data, bool new_message);
  Demo* demo_;
  sticky::Fd fd_;
  sticky::Side side_;
  int id_;
  std::uint64_t msg_ = 0;
  std::unique_ptr<sticky::Codec> codec_;
  std::string codec_words_;
  std::unique_ptr<sticky::FramedConnection> framed_;
};

// A datagram socket whose every sendto/recvfrom is recorded. Datagrams keep their
// boundaries, so each recv shows the datagram it got (or the part that fitted). `id` tells
// two sockets of one side apart in the narration ("client#2").
class DatagramSocket {
 public:
  DatagramSocket(Demo& demo, sticky::Fd fd, sticky::Side side, int id = 1);
  int fd() const { return fd_.get(); }
  // `to` may be omitted on a connected socket.
  void send_to(std::string_view data, const sticky::Address* to = nullptr);
  sticky::Datagram recv_from(std::size_t max, sticky::Timeout timeout = std::nullopt);

 private:
  Demo* demo_;
  sticky::Fd fd_;
  sticky::Side side_;
  int id_;
  std::uint64_t msg_ = 0;
};

// What every demo has: its own options, a client side, and the three roles.
class Scenario {
 public:
  virtual ~Scenario() = default;
  virtual void add_options(CLI::App&) {}
  // The client side, against a server at `server` (ours in role both, anyone's otherwise).
  virtual void client(Demo& demo, const sticky::Address& server) = 0;
  // Role server: serves until interrupted (or once, with --once).
  virtual void serve_role(Demo& demo) = 0;
  // Role both: server and client in this process.
  virtual void both(Demo& demo) = 0;
};

// A demo over a stream: what the server does with one connection.
class StreamScenario : public Scenario {
 public:
  virtual void serve(Demo& demo, Conn& conn) = 0;
  // By default: our server on 127.0.0.1 with an OS-chosen port, then client().
  void both(Demo& demo) override;
  // A sticky::TCPServer on --host/--port, each connection given to serve().
  void serve_role(Demo& demo) override;
};

// A demo over datagrams: the server serves a bound socket.
class DatagramScenario : public Scenario {
 public:
  // Serves datagrams until interrupted (or one exchange when `once`).
  virtual void serve_datagrams(Demo& demo, DatagramSocket& socket, bool once) = 0;
  void serve_role(Demo& demo) override;
};

struct Options {
  std::string role = "both";
  std::string host = "127.0.0.1";
  int port = 0;
  bool once = false;
  bool step = false;       // --step given
  std::string step_mode;   // "calls": pause before each call and part; "parts": before each part
  bool json = false;
  bool no_color = false;
  bool predict = false;
  std::string lang;
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
  sticky::Trace& trace() { return trace_; }  // its events(); record() through the demo
  // Records an event (a listener narrates it, or writes it as JSON), fork-safely.
  sticky::TraceEvent record(sticky::TraceEvent event);
  bool colour() const { return colour_; }
  // Whether each send/recv is narrated (it is always in the trace). Off for long loops.
  void narrate_io(bool on) { narrate_io_ = on; }

  // Narration, recorded in the trace too (in English; tr() texts are narrated translated).
  void step(std::string heading);   // a heading; with --step the narration waits for Enter
  // The demo's own output (an answer at the prompt), in order with the narration; not traced.
  void print(std::string text);
  void print(const Text& text) { print(text.local); }
  // While the demo reads commands at a terminal prompt, --step does not read Enter.
  void reading_terminal(bool on);
  // Returns when every line narrated so far is on the screen (before a prompt).
  void wait_for_narration();
  void say(std::string text);       // a line of explanation
  void step(const Text& heading) { step(heading.english); }
  void say(const Text& text) { say(text.english); }
  // --predict: asks before each recv what it will return (nullptr when not predicting).
  Predictor* predictor() { return predictor_.get(); }
  void error(std::string text, sticky::Side side = sticky::Side::none);
  void error(const Text& text, sticky::Side side = sticky::Side::none) { error(text.english, side); }
  void result(bool observed, const nlohmann::json& facts, std::string summary);
  void result(bool observed, const nlohmann::json& facts, const Text& summary) {
    result(observed, facts, summary.english);
  }
  // "listening on HOST:PORT", first on stdout (a note in --json), flushed.
  void announce_listening(const sticky::Address& where);

  // Recorded connections.
  Conn connect(const sticky::Address& server, sticky::Side side = sticky::Side::client);
  Conn adopt(sticky::Fd fd, sticky::Side side);
  int next_conn_id(sticky::Side side);

  // A server for `scenario` on `where`, one connection at a time, as lib's socketserver
  // serves: a failing connection is reported and the next one served.
  std::unique_ptr<sticky::TCPServer> make_server(StreamScenario& scenario, const sticky::Address& where);

  // Runs `client` while a thread serves connections on a fresh 127.0.0.1 listener.
  template <typename F>
  void with_local_server(StreamScenario& scenario, F&& client);
  sticky::Address start_local_server(StreamScenario& scenario);
  void stop_local_server();

 private:
  int number_;
  std::string program_;
  std::string summary_;
  Options options_;
  sticky::Trace trace_;
  std::optional<Narrator> narrator_;  // none with --json
  bool colour_ = false;
  std::atomic<bool> narrate_io_{true};
  std::atomic<int> client_ids_{0}, server_ids_{0};
  struct LocalServer;
  std::unique_ptr<LocalServer> local_;
  std::unique_ptr<Predictor> predictor_;
};

// SIGINT and SIGTERM end a server cleanly: a line on stderr, exit status 0.
void exit_cleanly_on_interrupt(const std::string& program);

template <typename F>
void Demo::with_local_server(StreamScenario& scenario, F&& client) {
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
