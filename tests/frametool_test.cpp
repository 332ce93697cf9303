// frametool as a user runs it: pipes, exit codes, one-line errors with byte offsets.
#include <catch2/catch.hpp>

#include "support.hpp"

using test::binary;
using test::run;
using test::unhex;

namespace {
test::Run frametool(std::vector<std::string> args, std::string_view input = {}) {
  args.insert(args.begin(), binary("frametool"));
  return run(args, input);
}
}  // namespace

TEST_CASE("frametool encode | decode round-trips, however the stream is cut", "[frametool]") {
  auto encoded = frametool({"encode", "--format", "raw", "hello", "", "world"});
  REQUIRE(encoded.status == 0);
  CHECK(test::hex(encoded.out) == "0000000568656c6c6f" "00000000" "00000005776f726c64");
  for (std::vector<std::string> cut : {std::vector<std::string>{}, {"--chunk", "1"}, {"--chunk", "7"},
                                       {"--random-chunks", "42"}, {"--random-chunks", "9:2"}}) {
    std::vector<std::string> args{"decode"};
    args.insert(args.end(), cut.begin(), cut.end());
    auto decoded = frametool(args, encoded.out);
    INFO(decoded.err);
    CHECK(decoded.status == 0);
    CHECK(decoded.out == "hello\n\nworld\n");
  }
}

TEST_CASE("frametool encodes stdin lines and speaks Python's struct.pack('i')", "[frametool]") {
  auto encoded = frametool({"encode", "--python-i", "--format", "hex"}, "ab\ncd\n");
  CHECK(encoded.status == 0);
  CHECK(encoded.out == "020000006162\n020000006364\n");
  auto decoded = frametool({"decode", "--python-i", "--format", "json"}, unhex("0200000061620100000063"));
  CHECK(decoded.out ==
        "{\"bytes\":2,\"data\":\"6162\",\"frame\":1,\"offset\":0}\n"
        "{\"bytes\":1,\"data\":\"63\",\"frame\":2,\"offset\":6}\n");
}

TEST_CASE("frametool decodes every codec", "[frametool]") {
  CHECK(frametool({"decode", "--codec", "line"}, "a\r\nb\n").out == "a\nb\n");
  CHECK(frametool({"decode", "--codec", "delimiter", "--delimiter", "\\x00"}, std::string("x\0yz\0", 5)).out ==
        "x\nyz\n");
  CHECK(frametool({"decode", "--codec", "fixed", "--size", "3", "--format", "hex"}, "abcdef").out ==
        "616263\n646566\n");
  CHECK(frametool({"decode", "--length-bytes", "2", "--length-adjust", "-2"}, unhex("0004") + "hi").out ==
        "hi\n");
  CHECK(frametool({"decode", "--length-bytes", "1", "--skip", "0", "--length-adjust", "1", "--format", "hex"},
                  unhex("02") + "hi")
            .out == "026869\n");
}

TEST_CASE("frametool rejects a hostile length at once, naming the offset", "[frametool][hostile]") {
  struct Case { std::vector<std::string> args; std::string input; std::string error; };
  auto c = GENERATE(values<Case>({
      {{"decode", "--max-frame", "1024"}, unhex("7fffffff"),
       "frametool: at byte 0: length 2147483647 exceeds the maximum frame of 1024 bytes\n"},
      {{"decode", "--length-bytes", "8", "--max-frame", "1024"}, unhex("8000000000000000"),
       "frametool: at byte 0: length 9223372036854775808 exceeds the maximum frame of 1024 bytes — read "
       "little-endian it is 128: try --endian little\n"},
      {{"decode", "--python-i"}, unhex("01000000") + "x" + unhex("ffffffff"),
       "frametool: at byte 5: negative length -1\n"},
  }));
  auto result = frametool(c.args, c.input);
  CHECK(result.status == 1);
  CHECK(result.err == c.error);
}

TEST_CASE("frametool reports a stream cut short with its offset and exit 1", "[frametool]") {
  auto result = frametool({"decode"}, unhex("00000002") + "hi" + unhex("000000"));
  CHECK(result.status == 1);
  CHECK(result.out == "hi\n");  // what was complete is still printed
  CHECK(result.err == "frametool: at byte 6: stream ended inside a header (3 of 4 bytes)\n");
}

TEST_CASE("frametool inspect annotates header fields, payload and leftovers", "[frametool]") {
  auto result = frametool({"inspect", "--length-bytes", "2"}, unhex("0002") + "hi" + unhex("00"));
  CHECK(result.status == 1);
  CHECK_THAT(result.out, Catch::Contains("frame 1 at byte 0: 4 bytes on the wire, payload 2 bytes"));
  CHECK_THAT(result.out, Catch::Contains("length field  00 02"));
  CHECK_THAT(result.out, Catch::Contains("\"hi\""));
  CHECK_THAT(result.out, Catch::Contains("leftover at byte 4: 1 byte\n"));
  CHECK_THAT(result.err, Catch::Contains("stream ended inside a header (1 of 2 bytes)"));
}

TEST_CASE("frametool usage errors exit 2 with a hint; --help exits 0", "[frametool]") {
  for (std::vector<std::string> args : {std::vector<std::string>{}, {"decode", "--bogus"},
                                        {"decode", "--length-bytes", "9"}, {"frob"}, {"decode", "--input", "octal"},
                                        {"encode", "--codec", "fixed", "x"},
                                        {"decode", "--random-chunks", "x"},
                                        {"encode", "--python-i", "--endian", "big", "x"}}) {
    auto result = frametool(args);
    INFO(result.err);
    CHECK(result.status == 2);
    CHECK_THAT(result.err, Catch::Contains("frametool --help"));
  }
  auto help = frametool({"--help"});
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("encode"));
  CHECK(frametool({"decode", "--help"}).status == 0);
  CHECK(frametool({"frob"}).err == "frametool: unknown command 'frob' (encode, decode or inspect)\n"
                                   "Run 'frametool --help' for usage.\n");
}

TEST_CASE("frametool encode of a message it cannot frame is bad data: one line, exit 1", "[frametool]") {
  auto too_big = frametool({"encode", "--length-bytes", "1", "ok", std::string(300, 'x')});
  CHECK(too_big.status == 1);
  CHECK(too_big.err == "frametool: cannot frame message 2: a 300-byte message does not fit a 1-byte unsigned "
                       "length field\n");
  auto over_max = frametool({"encode", "--max-frame", "3", "hello"});
  CHECK(over_max.status == 1);
  CHECK(over_max.err == "frametool: cannot frame message 1: message of 5 bytes exceeds the maximum frame of 3\n");
}

TEST_CASE("frametool explains an absurd length: text, or the other byte order", "[frametool][hostile]") {
  struct Case { std::vector<std::string> args; std::string input; std::string error; };
  auto c = GENERATE(values<Case>({
      {{"decode"}, "hello world\n",
       "frametool: at byte 0: length 1751477356 exceeds the maximum frame of 16777216 bytes — its 4 bytes are "
       "\"hell\": this stream looks like text, not a length-prefixed one\n"},
      {{"decode"}, unhex("05000000") + "hello",
       "frametool: at byte 0: length 83886080 exceeds the maximum frame of 16777216 bytes — read little-endian it is "
       "5: try --endian little or --python-i\n"},
      {{"decode", "--python-i"}, unhex("00000005") + "hello",
       "frametool: at byte 0: length 83886080 exceeds the maximum frame of 16777216 bytes — read big-endian it is 5: "
       "try without --python-i (big-endian is the default)\n"},
      {{"inspect", "--python-i"}, unhex("fffffffe"),
       "frametool: at byte 0: negative length -16777217\n"},  // the other order is negative too: no hint
      {{"decode", "--python-i"}, unhex("01000000") + "x" + unhex("00ffffff"),
       "frametool: at byte 5: negative length -256 — read big-endian it is 16777215: try without --python-i "
       "(big-endian is the default)\n"},
  }));
  auto result = frametool(c.args, c.input);
  CHECK(result.status == 1);
  CHECK(result.err == c.error);
}

TEST_CASE("frametool decode --input hex reads what encode --format hex writes", "[frametool]") {
  auto encoded = frametool({"encode", "--format", "hex", "hello", "", "world"});
  REQUIRE(encoded.status == 0);
  auto decoded = frametool({"decode", "--input", "hex", "--chunk", "1"}, encoded.out);
  CHECK(decoded.status == 0);
  CHECK(decoded.out == "hello\n\nworld\n");
  CHECK(frametool({"inspect", "--input", "hex"}, "00 00 00 02\n6869\n").out ==
        "codec: length prefix: 4 bytes, big endian, unsigned, max frame 16777216\n"
        "frame 1 at byte 0: 6 bytes on the wire, payload 2 bytes\n"
        "  length field  00 00 00 02                                      = 2\n"
        "  payload       68 69                                            \"hi\"\n"
        "1 frame, 6 bytes\n");
  auto bad = frametool({"decode", "--input", "hex"}, "0000zz");
  CHECK(bad.status == 1);
  CHECK(bad.err == "frametool: --input hex: not a hex digit: 'z'\n");
}
