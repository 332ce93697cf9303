// Lesson claims 06, 07, 08 and 10, proven from each demo's --json result on this kernel.
#include <catch2/catch.hpp>

#include "support.hpp"

using test::demo_facts;

TEST_CASE("two send() calls for header and body are more than ten times slower than one write", "[claim-06-a]") {
  const auto& facts = demo_facts("06-write-write-read");
  INFO("two: " << facts["two"]["ms_per_request"] << " ms, one: " << facts["one"]["ms_per_request"] << " ms");
  CHECK(facts["ratio_two_calls_to_one_write"].get<double>() > 10);
}

TEST_CASE("one buffer or one writev leaves as one segment per answer", "[claim-06-b]") {
  const auto& facts = demo_facts("06-write-write-read");
  CHECK(facts["one"]["segments_per_answer"].get<double>() == Approx(1.0).margin(0.11));
  CHECK(facts["writev"]["segments_per_answer"].get<double>() == Approx(1.0).margin(0.11));
}

TEST_CASE("TCP_NODELAY removes the stall but costs two segments per answer", "[claim-06-c]") {
  const auto& facts = demo_facts("06-write-write-read");
  CHECK(facts["nodelay"]["segments_per_answer"].get<double>() == Approx(2.0).margin(0.11));
  CHECK(facts["two"]["ms_per_request"].get<double>() > 10 * facts["nodelay"]["ms_per_request"].get<double>());
}

TEST_CASE("three datagrams read late arrive as three", "[claim-07-a]") {
  const auto& facts = demo_facts("07-udp-boundaries");
  CHECK(facts["datagrams_read"] == 3);
  CHECK(facts["read"] == nlohmann::json({"hello", "world", "egon"}));
}

TEST_CASE("a datagram larger than the buffer is truncated and the rest is gone", "[claim-07-b]") {
  const auto& facts = demo_facts("07-udp-boundaries");
  CHECK(facts["big_read"] == 1024);
  CHECK(facts["big_truncated"] == true);
  CHECK(facts["big_full_size"] == 3000);
  CHECK(facts["after_big"] == "next");
}

TEST_CASE("an empty datagram arrives as an empty message", "[claim-07-c]") {
  CHECK(demo_facts("07-udp-boundaries")["empty_is_datagram"] == true);
}

TEST_CASE("send of zero bytes sends nothing and the peer keeps waiting", "[claim-08-a]") {
  const auto& facts = demo_facts("08-empty-and-eof");
  CHECK(facts["empty_send_returned"] == 0);
  // Every segment, pure ACKs included (tcpi_segs_out): an empty one would count too.
  CHECK(facts["segments_out_before"].get<int>() > 0);
  CHECK(facts["segments_out_after"] == facts["segments_out_before"]);
  CHECK(facts["peer_recv_timed_out"] == true);
}

TEST_CASE("after shutdown(SHUT_WR) the peer's recv returns 0 at once", "[claim-08-b]") {
  const auto& facts = demo_facts("08-empty-and-eof");
  CHECK(facts["recv_after_shutdown_bytes"] == 0);
  INFO(facts["eof_ms"] << " ms of a " << facts["wait_ms"] << " ms timeout");
  CHECK(facts["eof_ms_over_timeout"].get<double>() < 0.1);
}

TEST_CASE("a non-blocking send of 1 MiB with a small buffer takes part of it", "[claim-10-a]") {
  const auto& facts = demo_facts("10-partial-send");
  auto accepted = facts["nonblocking_send_accepted"].get<std::size_t>();
  CHECK(accepted > 0);
  CHECK(accepted < facts["requested"].get<std::size_t>());
  // Not the number set: the kernel doubles SO_SNDBUF, and takes more than even that.
  CHECK(facts["sndbuf_reported"] == 2 * facts["sndbuf_set"].get<int>());
  CHECK(accepted > facts["sndbuf_reported"].get<std::size_t>());
  CHECK(facts["naive_received"] == accepted);
  CHECK(facts["naive_checksum_match"] == false);
}

TEST_CASE("send_all delivers every byte", "[claim-10-b]") {
  const auto& facts = demo_facts("10-partial-send");
  CHECK(facts["send_all_received"] == 1048576);
  CHECK(facts["send_all_checksum_match"] == true);
}

TEST_CASE("a blocking send with SO_SNDTIMEO returns a partial count", "[claim-10-c]") {
  auto returned = demo_facts("10-partial-send")["sndtimeo_send_returned"].get<std::size_t>();
  CHECK(returned > 0);
  CHECK(returned < 1048576u);
}

TEST_CASE("a synchronous server makes the second client wait for the first", "[claim-09-a]") {
  const auto& sync = demo_facts("09-socketserver")["sync"];
  CHECK(sync["second_answered_while_first_connected"] == false);
}

TEST_CASE("a threading server answers both clients at once from different threads", "[claim-09-b]") {
  const auto& threading = demo_facts("09-socketserver")["threading"];
  CHECK(threading["second_answered_while_first_connected"] == true);
  CHECK(threading["distinct_handlers"] == 2);
  for (const auto& h : threading["handled_by"]) CHECK_THAT(h.get<std::string>(), Catch::StartsWith("thread "));
}

TEST_CASE("a forking server answers both clients at once from different processes", "[claim-09-c]") {
  const auto& forking = demo_facts("09-socketserver")["forking"];
  CHECK(forking["second_answered_while_first_connected"] == true);
  CHECK(forking["distinct_handlers"] == 2);
  for (const auto& h : forking["handled_by"]) CHECK_THAT(h.get<std::string>(), Catch::StartsWith("process "));
}
