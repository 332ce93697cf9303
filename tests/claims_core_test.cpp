// Lesson claims 01–05, each proven by running the demo on this kernel and reading the facts
// its --json result carries. Counts and ratios from one run; never an absolute time.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "harness/commands.hpp"
#include "support.hpp"

using test::binary;
using test::demo_facts;

TEST_CASE("three sends to a late reader arrive in one recv", "[claim-01-a]") {
  const auto& a = demo_facts("01-nagle-merge")["part_a"];
  CHECK(a["sends"] == 3);
  CHECK(a["first_recv_bytes"] == 14);
  CHECK(a["merged"] == true);
}

TEST_CASE("with delayed ACKs Nagle merges small sends; TCP_NODELAY does not", "[claim-01-b]") {
  const auto& facts = demo_facts("01-nagle-merge");
  const auto& nagle = facts["nagle_delayed_ack"];
  const auto& nodelay = facts["nodelay_delayed_ack"];
  CHECK(nagle["segments"].get<int>() * 2 < nagle["sends"].get<int>());
  CHECK(nagle["recvs"].get<int>() < nagle["sends"].get<int>());
  CHECK(nodelay["segments"] == nodelay["sends"]);
}

TEST_CASE("with quick ACKs on loopback Nagle merges nothing", "[claim-01-c]") {
  const auto& quick = demo_facts("01-nagle-merge")["nagle_quick_ack"];
  // ACKs are sent from the kernel's softirq work, which a loaded machine can defer past the
  // next send; the lesson allows one or two merges for that.
  CHECK(quick["segments"].get<int>() >= quick["sends"].get<int>() - 2);
  // How many recvs it takes depends on when the reader thread runs, so that is not claimed.
}

TEST_CASE("recv(1), recv(5), recv(1024) of one 14-byte send return 1, 5 and 8 bytes", "[claim-02-a]") {
  CHECK(demo_facts("02-short-read")["recv_sizes"] == nlohmann::json({1, 5, 8}));
}

TEST_CASE("a 64 KiB message takes many recv(1024) calls and one recv_exact", "[claim-02-b]") {
  const auto& facts = demo_facts("02-short-read");
  CHECK(facts["big_recv_calls"].get<int>() > 1);
  CHECK(facts["recv_exact_ok"] == true);
}

TEST_CASE("without framing the answer to echo hi starts with the tail of seq 400", "[claim-03-a]") {
  const auto& facts = demo_facts("03-command-desync");
  CHECK(facts["first_answer_bytes"] == 1492);
  CHECK(facts["first_recv_bytes"] == 1024);
  CHECK(facts["second_starts_with_first_tail"] == true);
  // 468 bytes, or 471 when "hi\n" was already there too: stuck to the tail (粘包 again).
  CHECK(facts["second_recv_bytes"].get<int>() >= 468);
}

TEST_CASE("an empty command output is answered with a fixed text", "[claim-03-b]") {
  CHECK(harness::run_command("seq 0") == harness::kEmptyAnswer);
  CHECK_FALSE(harness::kEmptyAnswer.empty());
  test::Process server({binary("03-command-desync"), "--role", "server", "--port", "0", "--once"});
  auto port = test::port_of(server.read_line());
  auto client = test::run({binary("03-command-desync"), "--role", "client", "--port", port, "--command", "seq 0"});
  CHECK(client.status == 0);
  CHECK_THAT(client.out, Catch::Contains(std::string(harness::kEmptyAnswer)));
  CHECK(server.wait() == 0);
}

TEST_CASE("the naive handshake keeps answers in step", "[claim-04-a]") {
  CHECK(demo_facts("04-naive-handshake")["desync_fixed"] == true);
}

TEST_CASE("through a 20 ms relay the naive handshake costs about two length-prefix round trips", "[claim-04-b]") {
  const auto& facts = demo_facts("04-naive-handshake");
  double ratio = facts["ratio"].get<double>();
  INFO("naive " << facts["naive_ms_per_command"] << " ms, prefix " << facts["prefix_ms_per_command"] << " ms");
  CHECK(ratio > 1.5);
  CHECK(ratio < 3.0);
}

TEST_CASE("1-byte pieces break the naive client but not the length prefix", "[claim-04-c]") {
  const auto& facts = demo_facts("04-naive-handshake");
  CHECK(facts["split_naive_intact"] == false);
  CHECK(facts["split_naive_first_recv"].get<std::string>().size() < 3);  // fewer than the 3 digits of 141
  CHECK(facts["split_prefix_intact"] == true);
}

TEST_CASE("a length prefix keeps answers intact however the stream is cut", "[claim-05-a]") {
  for (auto args : {std::vector<std::string>{}, {"--python-i"}}) {
    const auto& facts = demo_facts("05-struct-prefix", args);
    CHECK(facts["direct_intact"] == true);
    CHECK(facts["split1_intact"] == true);
    CHECK(facts["random_split_intact"] == true);
  }
}

TEST_CASE("a hostile header fails the client at once, with one line, without a huge allocation", "[claim-05-b]") {
  struct Case { const char* mode; std::vector<std::string> flags; const char* error; };
  auto c = GENERATE(values<Case>({
      {"huge", {}, "05-struct-prefix: at byte 0: length 2147483647 exceeds the maximum frame of 16777216 bytes\n"},
      {"negative", {"--python-i"}, "05-struct-prefix: at byte 0: negative length -1\n"},
      {"negative", {}, "05-struct-prefix: at byte 0: length 4294967295 exceeds the maximum frame of 16777216 bytes\n"},
      {"short", {}, "05-struct-prefix: at byte 0: stream ended inside a header (2 of 4 bytes)\n"},
  }));
  std::vector<std::string> server_argv{binary("05-struct-prefix"), "--role", "server", "--port", "0", "--once",
                                       "--evil", c.mode};
  server_argv.insert(server_argv.end(), c.flags.begin(), c.flags.end());
  test::Process server(server_argv);
  auto port = test::port_of(server.read_line());
  // 256 MiB of address space: a client that believed 2 GiB and allocated it would fail differently.
  std::string client = binary("05-struct-prefix") + " --role client --port " + port + " --command 'echo hi'";
  for (const auto& f : c.flags) client += " " + f;
  // (Sanitizer builds reserve terabytes of address space up front: no limit there.)
  const char* sanitizer = std::getenv("STICKY_SANITIZER");
  std::string limit = sanitizer && *sanitizer ? "" : "ulimit -v 262144; ";
  auto result = test::run({"bash", "-c", limit + "exec " + client});
  CHECK(result.status == 1);
  CHECK(result.err == c.error);
  CHECK(server.wait() == 0);
}
