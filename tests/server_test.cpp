// The socketserver counterpart: the matrix CPython runs (every kind × every mode), shutdown,
// refusals, errors in handlers, resets, zombies and descriptor leaks.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "sticky/error.hpp"
#include "sticky/codec.hpp"
#include "sticky/server.hpp"
#include "support.hpp"

using namespace sticky;
using namespace std::chrono_literals;

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct UpperStream : StreamRequestHandler {
  using StreamRequestHandler::StreamRequestHandler;
  void handle() override {
    for (auto data = read_some(1024); !data.empty(); data = read_some(1024)) write(upper(data));
  }
};

struct UpperDatagram : DatagramRequestHandler {
  using DatagramRequestHandler::DatagramRequestHandler;
  void handle() override { reply(upper(std::string(packet()))); }
};

bool is_datagram(std::string_view kind) { return kind == "udp" || kind == "unix-dgram"; }

Address address_for(std::string_view kind) {
  static int counter = 0;
  if (kind == "unix" || kind == "unix-dgram")
    return Address::unix_path("/tmp/sticky-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  return Address::parse("127.0.0.1:0");
}

// serve_forever on a thread for the length of a test; shutdown() and close on the way out.
struct Serving {
  Serving(std::string_view kind, std::string_view mode, HandlerFactory factory = {})
      : server(make_server(kind, mode, address_for(kind),
                           factory ? factory : is_datagram(kind) ? handler<UpperDatagram>() : handler<UpperStream>())),
        thread([this] { server->serve_forever(50ms); }) {}
  ~Serving() {
    server->shutdown();
    thread.join();
    server->server_close();
  }
  std::unique_ptr<BaseServer> server;
  std::thread thread;
};

std::string ask(std::string_view kind, const Address& server, const std::string& message) {
  if (is_datagram(kind)) {
    Fd fd = connect_datagram(server);
    send_datagram(fd.get(), message);
    return recv_datagram(fd.get(), 1024, 5000ms).data;
  }
  Fd fd = connect_stream(server, 5000ms);
  send_all(fd.get(), message);
  ::shutdown(fd.get(), SHUT_WR);
  return recv_exact(fd.get(), message.size() + 1, 5000ms);  // +1: and the end of stream
}

int open_descriptors() {
  int n = 0;
  for (auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) (void)entry, ++n;
  return n;
}

}  // namespace

TEST_CASE("every server kind in every mode answers three clients", "[server]") {
  auto kind = GENERATE(as<std::string>{}, "tcp", "udp", "unix", "unix-dgram");
  auto mode = GENERATE(as<std::string>{}, "sync", "threading", "forking");
  DYNAMIC_SECTION(kind << " " << mode) {
    Serving s(kind, mode);
    std::vector<std::future<std::string>> clients;
    for (int i = 0; i < 3; ++i)
      clients.push_back(std::async(std::launch::async, [&, i] { return ask(kind, s.server->server_address(), "hello " + std::to_string(i)); }));
    for (int i = 0; i < 3; ++i) CHECK(clients[static_cast<std::size_t>(i)].get() == "HELLO " + std::to_string(i));
  }
}

TEST_CASE("shutdown() wakes serve_forever at once, not after the poll interval", "[server]") {
  auto server = make_server("tcp", "threading", Address::parse("127.0.0.1:0"), handler<UpperStream>());
  std::thread loop([&] { server->serve_forever(10s); });
  CHECK(ask("tcp", server->server_address(), "x") == "X");  // the loop is running
  auto start = std::chrono::steady_clock::now();
  server->shutdown();
  auto took = std::chrono::steady_clock::now() - start;
  loop.join();
  server->server_close();
  CHECK(took < 10s / 10);  // a tenth of the poll interval: the eventfd woke it, not the timeout
}

TEST_CASE("verify_request false refuses a client without calling the handler", "[server]") {
  struct Picky : ThreadingTCPServer {
    using ThreadingTCPServer::ThreadingTCPServer;
    std::atomic<int> refused{0};
    bool verify_request(Request&, const Address&) override { return ++refused > 1; }  // refuse the first
  };
  Picky server(Address::parse("127.0.0.1:0"), handler<UpperStream>());
  std::thread loop([&] { server.serve_forever(50ms); });
  {
    Fd fd = connect_stream(server.server_address(), 5000ms);
    send_all(fd.get(), "first");
    CHECK(recv_some(fd.get(), 100, 5000ms).empty());  // closed, unanswered
  }
  CHECK(ask("tcp", server.server_address(), "second") == "SECOND");
  server.shutdown();
  loop.join();
  server.server_close();
}

TEST_CASE("a throwing handler goes to handle_error and the server keeps serving", "[server]") {
  struct Boom : StreamRequestHandler {
    using StreamRequestHandler::StreamRequestHandler;
    void handle() override {
      if (read_some(100) == "boom") throw std::runtime_error("handler exploded");
      write("fine");
    }
  };
  struct Recording : TCPServer {
    using TCPServer::TCPServer;
    std::vector<std::string> errors;
    void handle_error(const Address&, std::exception_ptr e) override {
      try { std::rethrow_exception(e); } catch (const std::exception& x) { errors.push_back(x.what()); }
    }
  };
  Recording server(Address::parse("127.0.0.1:0"), handler<Boom>());
  std::thread loop([&] { server.serve_forever(50ms); });
  {
    Fd fd = connect_stream(server.server_address(), 5000ms);
    send_all(fd.get(), "boom");
    CHECK(recv_some(fd.get(), 100, 5000ms).empty());
  }
  Fd fd = connect_stream(server.server_address(), 5000ms);
  send_all(fd.get(), "ok");
  CHECK(recv_some(fd.get(), 100, 5000ms) == "fine");
  server.shutdown();
  loop.join();
  server.server_close();
  CHECK(server.errors == std::vector<std::string>{"handler exploded"});
}

TEST_CASE("a client that resets mid-request is an error for that request only", "[server]") {
  auto mode = GENERATE(as<std::string>{}, "sync", "threading", "forking");
  Serving s("tcp", mode);
  // The rude client lives in another process: a forked handler would otherwise inherit this
  // process's copy of the client socket, and closing ours would reset nothing.
  auto port = std::to_string(s.server->server_address().port());
  auto rude = test::run({"python3", "-c",
                         "import socket, struct\n"
                         "s = socket.create_connection(('127.0.0.1', " + port + "))\n"
                         "s.sendall(b'r' * 100000)\n"
                         "s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))\n"
                         "s.close()\n"});
  CHECK(rude.status == 0);
  CHECK(ask("tcp", s.server->server_address(), "after") == "AFTER");
}

TEST_CASE("stream handler helpers: read_line with a maximum, read_exact, a timeout", "[server]") {
  struct Lines : StreamRequestHandler {
    Lines(Request& r, const Address& a, BaseServer& s) : StreamRequestHandler(r, a, s) { timeout = 300ms; }
    void handle() override {
      for (;;) {
        std::string line;
        try {
          line = read_line(16);
        } catch (const FrameError&) {
          write("too long\n");
          return;
        } catch (const TimeoutError&) {
          return;  // a silent client is let go
        }
        if (line.empty()) return;
        if (line.starts_with("exact ")) line += read_exact(3);
        write("got " + line);
      }
    }
  };
  Serving s("tcp", "threading", handler<Lines>());
  Fd fd = connect_stream(s.server->server_address(), 5000ms);
  send_all(fd.get(), "one\ntw");
  send_all(fd.get(), "o\nexact \nabc");
  CHECK(recv_exact(fd.get(), 30, 5000ms) == "got one\ngot two\ngot exact \nabc");
  send_all(fd.get(), std::string(40, 'x'));
  CHECK(recv_exact(fd.get(), 100, 5000ms) == "too long\n");  // and closed
  Fd idle = connect_stream(s.server->server_address(), 5000ms);
  CHECK(recv_some(idle.get(), 10, 5000ms).empty());  // closed by the handler's timeout
}

TEST_CASE("forking leaves no zombie and joins its children on close", "[server][forking]") {
  auto server = make_server("tcp", "forking", Address::parse("127.0.0.1:0"), handler<UpperStream>());
  std::thread loop([&] { server->serve_forever(10s); });  // reaping must not wait for this
  for (int i = 0; i < 5; ++i) CHECK(ask("tcp", server->server_address(), "z") == "Z");
  auto* forking = dynamic_cast<ForkingSupport*>(server.get());
  REQUIRE(forking);
  // The children exit right after answering; their pidfds wake the loop, which reaps them.
  for (int i = 0; i < 500 && forking->active_children() > 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(forking->active_children() == 0);
  int status;
  CHECK(::waitpid(-1, &status, WNOHANG) <= 0);  // no child left unreaped
  server->shutdown();
  loop.join();
  server->server_close();
}

TEST_CASE("1,000 connect/close cycles leave the open descriptor count where it was", "[server][leak]") {
  auto mode = GENERATE(as<std::string>{}, "sync", "threading");
  Serving s("tcp", mode);
  CHECK(ask("tcp", s.server->server_address(), "warm") == "WARM");
  int before = open_descriptors();
  for (int i = 0; i < 1000; ++i) {
    Fd fd = connect_stream(s.server->server_address(), 5000ms);
    ::shutdown(fd.get(), SHUT_WR);
    REQUIRE(recv_some(fd.get(), 10, 5000ms).empty());  // the server closed its side too
  }
  // The server closes its side just after our EOF arrives; give the last close a moment.
  for (int i = 0; i < 500 && open_descriptors() > before; ++i) std::this_thread::sleep_for(10ms);
  CHECK(open_descriptors() <= before);
}

TEST_CASE("make_server names its choices in errors", "[server]") {
  CHECK_THROWS_WITH(make_server("sctp", "sync", Address::parse("127.0.0.1:0"), handler<UpperStream>()),
                    Catch::Contains("tcp, udp, unix or unix-dgram"));
  CHECK_THROWS_WITH(make_server("tcp", "async", Address::parse("127.0.0.1:0"), handler<UpperStream>()),
                    Catch::Contains("sync, threading or forking"));
}

TEST_CASE("out of descriptors, serve_forever reports EMFILE and backs off instead of spinning", "[server][fault]") {
  // In a child process: the descriptor limit is the whole process's.
  int report[2];
  REQUIRE(::pipe(report) == 0);
  sticky::TCPServer server(sticky::Address::parse("127.0.0.1:0"), sticky::handler<sticky::BaseRequestHandler>());
  auto address = server.server_address();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(report[0]);
    std::atomic<int> attempts{0};
    server.on_call = [&](std::string_view call, std::string_view) {
      if (call == "get_request") ++attempts;
    };
    ::dup2(report[1], 2);  // handle_error's line goes to the parent
    // The thread that stops the server starts, and runs, before the descriptors are used up:
    // starting a thread (and the sanitizers' bookkeeping for it) is not what this tests.
    std::promise<void> running;
    std::thread stop([&] {
      running.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      server.shutdown();
    });
    running.get_future().wait();
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    int highest = 0;
    for (int fd = 0; fd < 1024; ++fd)
      if (::fcntl(fd, F_GETFD) != -1) highest = fd;
    limit.rlim_cur = static_cast<rlim_t>(highest + 1);
    ::setrlimit(RLIMIT_NOFILE, &limit);
    while (::open("/dev/null", O_RDONLY) >= 0) {}  // fill the gaps: no room for an accepted connection
    server.serve_forever(sticky::Millis(50));
    stop.join();
    std::fprintf(stderr, "attempts %d\n", attempts.load());
    std::fflush(stderr);
    ::_exit(0);
  }
  ::close(report[1]);
  auto client = sticky::connect_stream(address, sticky::Millis(2000));  // queued; the server cannot accept it
  std::string said;
  char buf[4096];
  for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) > 0;) said.append(buf, static_cast<std::size_t>(n));
  ::close(report[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK_THAT(said, Catch::Contains("Too many open files"));
  auto at = said.find("attempts ");
  REQUIRE(at != std::string::npos);
  int attempts = std::stoi(said.substr(at + 9));
  CHECK(attempts >= 2);   // it kept serving
  CHECK(attempts <= 10);  // about one every 100 ms, not thousands
}
