// Lesson 11's claims — text cut inside a character — proven by running demo 11 on this
// kernel and reading the facts of its --json result. Role both runs every reader in UTF-8
// and in GBK, so one run carries the facts of both encodings.
#include <catch2/catch.hpp>

#include "support.hpp"

using test::binary;
using test::demo_facts;

namespace {
const char* const kEncodings[] = {"utf-8", "gbk"};
}

TEST_CASE("decoding each recv(1024) fails inside 执, at byte 1023, in UTF-8 and in GBK", "[claim-11-a]") {
  const auto& facts = demo_facts("11-text-cut");
  CHECK(facts["utf8_bytes"] == 12);
  CHECK(facts["gbk_bytes"] == 8);
  for (const char* encoding : kEncodings) {
    INFO(encoding);
    const auto& f = facts[encoding];
    CHECK(f["ascii_before"] == 1023);
    CHECK(f["naive_pieces"][0] == 1024);  // 1,023 ASCII bytes and the first byte of 执
    CHECK(f["naive_decode_failed"] == true);
    CHECK(f["failed_in_piece"] == 1);
    CHECK(f["failed_at_offset"] == 1023);
  }
  CHECK(facts["utf-8"]["naive_error"] ==
        "'utf-8' codec can't decode byte 0xe6 in position 1023: unexpected end of data");
  CHECK(facts["gbk"]["naive_error"] ==
        "'gbk' codec can't decode byte 0xd6 in position 1023: incomplete multibyte sequence");
}

TEST_CASE("read by its length and decoded whole, the text is intact in UTF-8 and in GBK", "[claim-11-b]") {
  const auto& facts = demo_facts("11-text-cut");
  for (const char* encoding : kEncodings) {
    INFO(encoding);
    CHECK(facts[encoding]["framed_decode_ok"] == true);
    CHECK(facts[encoding]["framed_last_line"] == "执行成功");
  }
}

TEST_CASE("an incremental decoder fed the same cut pieces keeps the cut byte and gets the text intact",
          "[claim-11-c]") {
  const auto& facts = demo_facts("11-text-cut");
  for (const char* encoding : kEncodings) {
    INFO(encoding);
    const auto& f = facts[encoding];
    CHECK(f["incremental_pieces"] == f["naive_pieces"]);  // the very same cuts as the mistake
    CHECK(f["incremental_tail_kept"] == 1);               // the first byte of 执, held over
    CHECK(f["incremental_decode_ok"] == true);
  }
}

TEST_CASE("in GBK a piece that starts inside a character decodes to wrong characters; in UTF-8 it cannot",
          "[claim-11-d]") {
  const auto& facts = demo_facts("11-text-cut");
  const auto& gbk = facts["gbk"];
  CHECK(gbk["second_piece_decoded"] == "葱谐晒");  // read one byte late: none of 执行成功
  CHECK(gbk["second_piece_failed_at"] == 6);
  const auto& utf8 = facts["utf-8"];
  CHECK(utf8["second_piece_decoded"] == "");  // fails at its first byte, a continuation byte
  CHECK(utf8["second_piece_failed_at"] == 0);
}

TEST_CASE("11-text-cut: --help, a bad option, and the two roles in two processes", "[demos]") {
  auto help = test::run({binary("11-text-cut"), "--help"});
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("lessons/11-text-cut"));
  CHECK_THAT(help.out, Catch::Contains("--encoding"));

  auto bad = test::run({binary("11-text-cut"), "--no-such-option"});
  CHECK(bad.status == 2);
  CHECK_FALSE(bad.err.empty());
  CHECK(test::run({binary("11-text-cut"), "--encoding", "latin-1"}).status == 2);

  auto encoding = GENERATE(as<std::string>{}, "utf-8", "gbk");
  test::Process server({binary("11-text-cut"), "--role", "server", "--port", "0", "--once", "--encoding", encoding});
  auto port = test::port_of(server.read_line());
  auto client = test::run({binary("11-text-cut"), "--role", "client", "--port", port, "--reader", "naive",
                           "--encoding", encoding, "--json"});
  INFO(client.err);
  CHECK(client.status == 0);
  auto last = client.out.substr(client.out.rfind('\n', client.out.size() - 2) + 1);
  auto result = nlohmann::json::parse(last);
  CHECK(result["op"] == "result");
  CHECK(result["facts"]["naive_decode_failed"] == true);
  CHECK(result["facts"]["failed_at_offset"] == 1023);
  CHECK(server.wait() == 0);
}
