// send_all / recv_exact / addresses over real sockets.
#include <catch2/catch.hpp>

#include <signal.h>

#include <future>
#include <thread>

#include "sticky/error.hpp"
#include "sticky/io.hpp"
#include "sticky/socket.hpp"

using namespace sticky;

namespace {
struct TcpPair {
  Fd client, server;
};
TcpPair tcp_pair() {
  Fd listener = listen_stream(Address::parse("127.0.0.1:0"));
  TcpPair pair;
  pair.client = connect_stream(local_address(listener.get()), Millis(2000));
  pair.server = accept_connection(listener.get());
  return pair;
}
}  // namespace

TEST_CASE("addresses parse from HOST:PORT, [v6]:PORT and unix:PATH", "[socket]") {
  CHECK(Address::parse("127.0.0.1:9001").to_string() == "127.0.0.1:9001");
  CHECK(Address::parse("[::1]:80").to_string() == "[::1]:80");
  CHECK(Address::parse("localhost:7").to_string() == "127.0.0.1:7");
  CHECK(Address::parse(":9005").to_string() == "127.0.0.1:9005");
  CHECK(Address::parse("unix:/tmp/x.sock").to_string() == "unix:/tmp/x.sock");
  CHECK_THROWS_WITH(Address::parse("127.0.0.1"), Catch::Contains("expected HOST:PORT"));
  CHECK_THROWS_WITH(Address::parse("127.0.0.1:99999"), Catch::Contains("expected 0..65535"));
  CHECK_THROWS_WITH(Address::parse("::1:80"), Catch::Contains("brackets"));
  CHECK_THROWS(Address::parse("unix:"));
}

TEST_CASE("errors name the call, the address and errno's text", "[socket]") {
  Fd listener = listen_stream(Address::parse("127.0.0.1:0"));
  auto address = local_address(listener.get());
  listener.reset();  // nobody listens there now
  CHECK_THROWS_WITH(connect_stream(address),
                    "connect " + address.to_string() + ": Connection refused");
}

TEST_CASE("recv_exact gathers a message that arrives in pieces", "[io]") {
  auto [client, server] = tcp_pair();
  auto sender = std::async(std::launch::async, [fd = client.get()] {
    for (const char* piece : {"he", "llo", " wor", "ld"}) {
      send_all(fd, piece);
      std::this_thread::yield();
    }
  });
  CHECK(recv_exact(server.get(), 11, Millis(5000)) == "hello world");
  sender.get();
}

TEST_CASE("recv_exact says how many bytes came before the peer closed", "[io]") {
  auto [client, server] = tcp_pair();
  send_all(client.get(), "abc");
  client.reset();
  std::string got = recv_exact(server.get(), 10, Millis(5000));
  CHECK(got == "abc");
  CHECK(recv_some(server.get(), 10, Millis(5000)).empty());  // end of stream
}

TEST_CASE("recv with a timeout throws TimeoutError instead of hanging", "[io]") {
  auto [client, server] = tcp_pair();
  CHECK_THROWS_AS(recv_some(server.get(), 10, Millis(50)), TimeoutError);
  // The error names the call, the descriptor and the peer.
  CHECK_THROWS_WITH(recv_exact(server.get(), 10, Millis(50)), Catch::StartsWith("recv fd ") && Catch::Contains("(peer 127.0.0.1:") &&
                                                                   Catch::EndsWith("): timed out"));
}

TEST_CASE("a non-blocking send with a small buffer takes only part of 1 MiB; send_all takes it all",
          "[io][partial]") {
  auto [client, server] = tcp_pair();
  set_send_buffer(client.get(), 4096);
  // A receive buffer below one loopback MSS (64 KiB) makes the sender wait on the persist
  // timer, whose backoff doubles: the transfer would crawl. 64 KiB keeps it quick.
  set_receive_buffer(server.get(), 65536);
  set_nonblocking(client.get(), true);
  std::string big(1 << 20, 'p');
  std::size_t first = send_once(client.get(), big);
  CHECK(first > 0);
  CHECK(first < big.size());

  auto reader = std::async(std::launch::async, [fd = server.get(), want = big.size()] {
    char buf[65536];
    std::size_t received = 0;
    while (received < want) {
      std::size_t got = recv_some(fd, buf, sizeof buf, Millis(10000));
      if (got == 0) break;
      received += got;
    }
    return received;
  });
  send_all(client.get(), std::string_view(big).substr(first), Millis(10000));
  CHECK(reader.get() == big.size());
}

TEST_CASE("send_gather writes header and body in one call", "[io]") {
  auto [client, server] = tcp_pair();
  std::string header("\0\0\0\5", 4);
  send_gather(client.get(), {header, "hello"});
  CHECK(recv_exact(server.get(), 9, Millis(5000)) == header + "hello");
}

TEST_CASE("sending to a closed peer is an EPIPE error, not a SIGPIPE death", "[io]") {
  auto [client, server] = tcp_pair();
  server.reset();
  // The first send may succeed (the RST has not come back yet); keep sending until it fails.
  CHECK_THROWS_AS(
      [&] {
        for (int i = 0; i < 1000; ++i) send_all(client.get(), std::string(1024, 'x'));
      }(),
      SystemError);
}

TEST_CASE("UDP keeps boundaries and reports truncation", "[io][udp]") {
  Fd server = bind_datagram(Address::parse("127.0.0.1:0"));
  Fd client = connect_datagram(local_address(server.get()));
  send_datagram(client.get(), "hello");
  send_datagram(client.get(), "");
  send_datagram(client.get(), std::string(3000, 'u'));
  auto a = recv_datagram(server.get(), 1024, Millis(2000));
  auto b = recv_datagram(server.get(), 1024, Millis(2000));
  auto c = recv_datagram(server.get(), 1024, Millis(2000));
  CHECK(a.data == "hello");
  CHECK(b.data.empty());
  CHECK_FALSE(b.truncated);
  CHECK(c.data.size() == 1024);
  CHECK(c.truncated);
  CHECK(c.full_size == 3000);
  REQUIRE(a.from);
  send_datagram(server.get(), "HELLO", &*a.from);
  CHECK(recv_datagram(client.get(), 100, Millis(2000)).data == "HELLO");
}

TEST_CASE("TCP_INFO counts segments", "[socket]") {
  auto [client, server] = tcp_pair();
  auto before = tcp_segments(client.get());
  CHECK(before.out >= 1);  // the SYN at least
  send_all(client.get(), "x");
  CHECK(recv_exact(server.get(), 1, Millis(2000)) == "x");
  CHECK(tcp_segments(client.get()).out == before.out + 1);
}
