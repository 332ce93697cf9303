// The relay: bytes and order unchanged, boundaries reshaped, half-close passed on.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <unistd.h>
#include <future>
#include <thread>

#include "sticky/io.hpp"
#include "sticky/relay.hpp"
#include "support.hpp"

using namespace sticky;
using namespace std::chrono_literals;

namespace {

// A relay running on its own thread for the length of a test.
struct RunningRelay {
  explicit RunningRelay(RelayOptions o) : relay(std::move(o)), thread([this] { relay.run(); }) {}
  ~RunningRelay() {
    relay.stop();
    thread.join();
  }
  Relay relay;
  std::thread thread;
};

RelayOptions to(const Address& target) {
  RelayOptions o;
  o.listen = Address::parse("127.0.0.1:0");
  o.target = target;
  return o;
}

}  // namespace

TEST_CASE("relay passes bytes both ways and passes a half-close on", "[relay]") {
  Fd listener = listen_stream(Address::parse("127.0.0.1:0"));
  RunningRelay r(to(local_address(listener.get())));
  Fd client = connect_stream(r.relay.address(), 2000ms);
  Fd server = accept_connection(listener.get());
  send_all(client.get(), "hello");
  ::shutdown(client.get(), SHUT_WR);
  CHECK(recv_exact(server.get(), 5, 5000ms) == "hello");
  CHECK(recv_some(server.get(), 10, 5000ms).empty());  // the client's FIN came through
  send_all(server.get(), "still open the other way");
  server.reset();
  CHECK(recv_exact(client.get(), 100, 5000ms) == "still open the other way");
}

TEST_CASE("relay --split 1 delivers every byte as its own recv, in order", "[relay]") {
  Fd listener = listen_stream(Address::parse("127.0.0.1:0"));
  auto options = to(local_address(listener.get()));
  apply_shaping(options, "split", "up:1");
  apply_shaping(options, "pace", "up:3000");
  RunningRelay r(options);
  Fd client = connect_stream(r.relay.address(), 2000ms);
  Fd server = accept_connection(listener.get());
  send_all(client.get(), "0123456789");
  std::string got;
  int recvs = 0;
  while (got.size() < 10) {
    auto piece = recv_some(server.get(), 1024, 5000ms);
    REQUIRE_FALSE(piece.empty());
    got += piece;
    ++recvs;
  }
  CHECK(got == "0123456789");
  CHECK(recvs >= 5);  // pieces 3 ms apart: a reader would have to sleep through several to merge them
}

TEST_CASE("relay --coalesce forwards what came within the window in one piece", "[relay]") {
  Fd listener = listen_stream(Address::parse("127.0.0.1:0"));
  auto options = to(local_address(listener.get()));
  apply_shaping(options, "coalesce", "up:100");
  RunningRelay r(options);
  Fd client = connect_stream(r.relay.address(), 2000ms);
  Fd server = accept_connection(listener.get());
  for (const char* word : {"hello", "world", "egon"}) send_all(client.get(), word);
  CHECK(recv_some(server.get(), 1024, 5000ms) == "helloworldegon");
}

TEST_CASE("relay --delay holds each direction at least that long, order kept", "[relay]") {
  Fd listener = listen_stream(Address::parse("127.0.0.1:0"));
  auto options = to(local_address(listener.get()));
  apply_shaping(options, "delay", "30");
  RunningRelay r(options);
  Fd client = connect_stream(r.relay.address(), 2000ms);
  Fd server = accept_connection(listener.get());
  auto start = std::chrono::steady_clock::now();
  send_all(client.get(), "ping");
  CHECK(recv_exact(server.get(), 4, 5000ms) == "ping");
  send_all(server.get(), "pong");
  CHECK(recv_exact(client.get(), 4, 5000ms) == "pong");
  // A lower bound, not a timing race: the relay may never deliver early.
  CHECK(std::chrono::steady_clock::now() - start >= 60ms);
}

TEST_CASE("relay serves many connections at once and survives a vanished side", "[relay]") {
  Fd listener = listen_stream(Address::parse("127.0.0.1:0"));
  std::atomic<bool> done{false};
  auto echo = std::async(std::launch::async, [&] {
    std::vector<std::future<void>> workers;
    for (int i = 0; i < 21; ++i) {
      Fd conn = accept_connection(listener.get());
      workers.push_back(std::async(std::launch::async, [c = std::move(conn)]() mutable {
        char buf[4096];
        for (;;) {
          std::size_t n = 0;
          try { n = recv_some(c.get(), buf, sizeof buf, 5000ms); } catch (...) { return; }
          if (n == 0) return;
          try { send_all(c.get(), std::string_view(buf, n)); } catch (...) { return; }
        }
      }));
    }
  });
  RunningRelay r(to(local_address(listener.get())));
  {  // one client resets in the middle of its conversation
    Fd rude = connect_stream(r.relay.address(), 2000ms);
    send_all(rude.get(), "bye");
    linger hard{1, 0};
    ::setsockopt(rude.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  }
  std::vector<std::future<bool>> clients;
  for (int i = 0; i < 20; ++i)
    clients.push_back(std::async(std::launch::async, [&, i] {
      Fd c = connect_stream(r.relay.address(), 2000ms);
      std::string message = "client " + std::to_string(i) + std::string(1000, 'x');
      send_all(c.get(), message);
      return recv_exact(c.get(), message.size(), 5000ms) == message;
    }));
  for (auto& c : clients) CHECK(c.get());
  echo.get();
  CHECK(r.relay.connections() == 21);
}

TEST_CASE("relay binary prints its address, rejects bad values, stops cleanly on SIGINT", "[relay]") {
  auto bad = test::run({test::binary("relay"), "--to", "127.0.0.1:9", "--delay", "-5"});
  CHECK(bad.status == 2);
  CHECK(test::run({test::binary("relay")}).status == 2);  // --to is required
  test::Process relay({test::binary("relay"), "--port", "0", "--to", "127.0.0.1:9", "--split", "down:1"});
  CHECK_THAT(relay.read_line(), Catch::StartsWith("listening on 127.0.0.1:"));
  CHECK(relay.read_line() == "relaying to 127.0.0.1:9; up: pass-through; down: split=1 pace=1000us");
  relay.signal(SIGINT);
  CHECK(relay.read_line() == "relay stopped after 0 connections");
  CHECK(relay.wait() == 0);
}

TEST_CASE("a relay that listens on a Unix socket relays to a TCP server", "[relay]") {
  // TCP_NODELAY is for TCP legs only: on a Unix socket it would fail at the first accept.
  Fd listener = listen_stream(Address::parse("127.0.0.1:0"));
  std::string path = "/tmp/sticky-relay-test-" + std::to_string(::getpid()) + ".sock";
  RelayOptions o = to(local_address(listener.get()));
  o.listen = Address::unix_path(path);
  RunningRelay r(std::move(o));
  Fd client = connect_stream(Address::unix_path(path), 2000ms);
  Fd server = accept_connection(listener.get());
  send_all(client.get(), "over a unix socket");
  CHECK(recv_exact(server.get(), 18, 5000ms) == "over a unix socket");
  send_all(server.get(), "and back");
  CHECK(recv_exact(client.get(), 8, 5000ms) == "and back");
  ::unlink(path.c_str());
}
