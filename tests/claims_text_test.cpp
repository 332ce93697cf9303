// Lesson 11's claims — text cut inside a character — proven by running demo 11 on this
// kernel and reading the facts of its --json result. Role both runs every reader in UTF-8
// and in GBK, so one run carries the facts of both encodings.
#include <catch2/catch.hpp>

#include "support.hpp"

using test::binary;
using test::demo_facts;

namespace {
const char* const kEncodings[] = {"utf-8", "gbk"};

// A fact, or null when the demo did not report it (a const json's operator[] would abort).
const nlohmann::json& fact(const nlohmann::json& facts, const std::string& key) {
  static const nlohmann::json missing;
  auto it = facts.find(key);
  return it == facts.end() ? missing : *it;
}
const nlohmann::json& fact(const nlohmann::json& facts, const std::string& a, const std::string& b) {
  return fact(fact(facts, a), b);
}
}  // namespace

TEST_CASE("decoding each recv(1024) fails inside 执, at byte 1023, in UTF-8 and in GBK", "[claim-11-a]") {
  const auto& facts = demo_facts("11-text-cut");
  CHECK(fact(facts, "utf8_bytes") == 12);
  CHECK(fact(facts, "gbk_bytes") == 8);
  for (const char* encoding : kEncodings) {
    INFO(encoding);
    const auto& f = fact(facts, encoding);
    CHECK(fact(f, "ascii_before") == 1023);
    const auto& pieces = fact(f, "naive_pieces");
    CHECK((pieces.is_array() && !pieces.empty() && pieces.at(0) == 1024));  // 1,023 ASCII bytes and e6 (d6 in GBK)
    CHECK(fact(f, "naive_decode_failed") == true);
    CHECK(fact(f, "failed_in_piece") == 1);
    CHECK(fact(f, "failed_at_offset") == 1023);
  }
  CHECK(fact(facts, "utf-8", "naive_error") ==
        "'utf-8' codec can't decode byte 0xe6 in position 1023: unexpected end of data");
  CHECK(fact(facts, "gbk", "naive_error") ==
        "'gbk' codec can't decode byte 0xd6 in position 1023: incomplete multibyte sequence");
}

TEST_CASE("read by its length and decoded whole, the text is intact in UTF-8 and in GBK", "[claim-11-b]") {
  const auto& facts = demo_facts("11-text-cut");
  for (const char* encoding : kEncodings) {
    INFO(encoding);
    CHECK(fact(facts, encoding, "framed_decode_ok") == true);
    CHECK(fact(facts, encoding, "framed_last_line") == "执行成功");
  }
}

TEST_CASE("an incremental decoder fed the same cut pieces keeps the cut byte and gets the text intact",
          "[claim-11-c]") {
  const auto& facts = demo_facts("11-text-cut");
  for (const char* encoding : kEncodings) {
    INFO(encoding);
    const auto& f = fact(facts, encoding);
    CHECK(fact(f, "incremental_pieces") == fact(f, "naive_pieces"));  // the very same cuts as the mistake
    CHECK(fact(f, "incremental_tail_kept") == 1);  // the first byte of 执, held over
    CHECK(fact(f, "incremental_decode_ok") == true);
  }
}

TEST_CASE("in GBK a piece that starts inside a character decodes to wrong characters; in UTF-8 it cannot",
          "[claim-11-d]") {
  const auto& facts = demo_facts("11-text-cut");
  const auto& gbk = fact(facts, "gbk");
  CHECK(fact(gbk, "second_piece_decoded") == "葱谐晒");  // read one byte late: none of 执行成功
  CHECK(fact(gbk, "second_piece_failed_at") == 6);
  const auto& utf8 = fact(facts, "utf-8");
  CHECK(fact(utf8, "second_piece_decoded") == "");  // fails at its first byte, a continuation byte
  CHECK(fact(utf8, "second_piece_failed_at") == 0);
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
