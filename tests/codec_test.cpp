// Codecs and the incremental decoder, in the manner of tokio-util's length_delimited tests:
// each case is bytes in, frames (or an error at an offset) out.
#include <catch2/catch.hpp>

#include <random>

#include "sticky/codec.hpp"
#include "sticky/decoder.hpp"
#include "support.hpp"

using namespace sticky;
using test::hex;
using test::unhex;

namespace {

// Decodes `wire` fed in the given chunk sizes (cycled), returning payloads as hex.
std::vector<std::string> decode_all(const Codec& codec, std::string_view wire,
                                    std::vector<std::size_t> chunks = {1 << 20}) {
  Decoder decoder(codec);
  std::vector<std::string> frames;
  std::size_t i = 0, at = 0;
  while (at < wire.size()) {
    std::size_t n = std::min(chunks[i++ % chunks.size()], wire.size() - at);
    decoder.feed(wire.substr(at, n));
    at += n;
    while (auto frame = decoder.next()) frames.push_back(hex(frame->payload));
  }
  decoder.finish();
  return frames;
}

LengthOptions length(int width, std::size_t offset, std::int64_t adjust, std::optional<std::size_t> skip,
                     bool big_endian = true) {
  LengthOptions o;
  o.width = width;
  o.offset = offset;
  o.adjust = adjust;
  o.skip = skip;
  o.big_endian = big_endian;
  return o;
}

}  // namespace

TEST_CASE("length codec decodes tokio-util's documented header layouts", "[codec][length]") {
  struct Case {
    const char* name;
    LengthOptions options;
    const char* wire;
    const char* frame;
  };
  const std::string hello = hex("Hello world");
  auto c = GENERATE_COPY(values<Case>({
      {"strip a 2-byte header", length(2, 0, 0, 2), "000b", ""},
      {"keep the header (adjust +2, skip 0)", length(2, 0, 2, 0), "000b", "000b"},
      {"length counts the header (adjust -2)", length(2, 0, -2, std::nullopt), "000d", ""},
      {"field at offset 2, 3 bytes wide, keep all (adjust 5)", length(3, 2, 5, 0), "cafe00000b", "cafe00000b"},
      {"HDR1 LEN HDR2: skip 3, adjust 1", length(2, 1, 1, 3), "ca000bfe", "fe"},
      {"HDR1 LEN HDR2, length counts all: skip 3, adjust -3", length(2, 1, -3, 3), "ca000ffe", "fe"},
      {"little endian 4 bytes", length(4, 0, 0, std::nullopt, false), "0b000000", ""},
  }));
  SECTION(c.name) {
    LengthCodec codec(c.options);
    std::string wire = unhex(c.wire) + "Hello world";
    auto frames = decode_all(codec, wire);
    REQUIRE(frames == std::vector<std::string>{c.frame + hello});
    // The encoder writes the same bytes back (the bytes before the field are ours: zeros).
    std::string frame = unhex(c.frame) + "Hello world";
    std::string encoded = codec.encode(std::string_view(frame).substr(codec.header_size() - codec.skip()));
    CHECK(hex(encoded.substr(c.options.offset)) == hex(wire.substr(c.options.offset)));
  }
}

TEST_CASE("length codec round-trips every width, endianness and signedness", "[codec][length]") {
  int width = GENERATE(1, 2, 3, 4, 5, 6, 7, 8);
  bool big = GENERATE(true, false);
  bool is_signed = GENERATE(false, true);
  LengthOptions o;
  o.width = width;
  o.big_endian = big;
  o.is_signed = is_signed;
  LengthCodec codec(o);
  std::string wire;
  std::vector<std::string> sent;
  for (std::size_t n : {0u, 1u, 5u, 100u}) {
    if (width == 1 && is_signed && n > 127) continue;
    std::string message(n, static_cast<char>('a' + n % 26));
    codec.encode(message, wire);
    sent.push_back(hex(message));
  }
  REQUIRE(decode_all(codec, wire) == sent);
  REQUIRE(decode_all(codec, wire, {1}) == sent);
}

TEST_CASE("read_incomplete_head waits for the whole header", "[codec][length]") {
  LengthCodec codec;
  Decoder decoder(codec);
  decoder.feed(unhex("0000"));
  CHECK_FALSE(decoder.next());
  decoder.feed(unhex("00"));
  CHECK_FALSE(decoder.next());
  decoder.feed(unhex("02") + "hi");
  auto frame = decoder.next();
  REQUIRE(frame);
  CHECK(frame->payload == "hi");
  CHECK(frame->offset == 0);
  CHECK(decoder.stream_offset() == 6);
}

TEST_CASE("length over the maximum fails at once, before any payload arrives", "[codec][length][hostile]") {
  struct Case { const char* name; LengthOptions options; const char* header; const char* error; };
  LengthOptions small;
  small.max_frame = 1024;
  LengthOptions eight = small;
  eight.width = 8;
  LengthOptions python = LengthOptions::python_i();
  python.max_frame = 1024;
  auto c = GENERATE_COPY(values<Case>({
      {"0x7fffffff", small, "7fffffff", "length 2147483647 exceeds the maximum frame of 1024 bytes"},
      {"2^63 in 8 bytes", eight, "8000000000000000", "length 9223372036854775808 exceeds"},
      {"2^64-1 in 8 bytes", eight, "ffffffffffffffff", "length 18446744073709551615 exceeds"},
      {"python -1", python, "ffffffff", "negative length -1"},
      {"python 0x7fffffff", python, "ffffff7f", "length 2147483647 exceeds"},
  }));
  SECTION(c.name) {
    LengthCodec codec(c.options);
    Decoder decoder(codec);
    decoder.feed(codec.encode("x"));  // a good frame first (for 4-byte widths)
    if (c.options.width == 4) {
      REQUIRE(decoder.next());
    } else {
      decoder = Decoder(codec);
    }
    decoder.feed(unhex(c.header));
    try {
      decoder.next();
      FAIL("no error");
    } catch (const FrameError& e) {
      CHECK(e.offset() == (c.options.width == 4 ? 5u : 0u));
      CHECK_THAT(e.what(), Catch::Contains(c.error));
    }
  }
}

TEST_CASE("adjustment that makes a length negative or ends inside the header is an error", "[codec][length]") {
  LengthCodec codec(length(2, 0, -5, std::nullopt));
  CHECK_THROWS_WITH(decode_all(codec, unhex("0003")), Catch::Contains("with adjust -5 is negative"));
  LengthCodec inside(length(2, 0, 0, 0));
  CHECK_THROWS_WITH(decode_all(inside, unhex("0001")), Catch::Contains("inside its own 2-byte header"));
}

TEST_CASE("end of stream inside a header or a payload names the frame's offset", "[codec][length]") {
  LengthCodec codec;
  std::string wire = codec.encode("abc") + unhex("0000");
  CHECK_THROWS_WITH(decode_all(codec, wire), "at byte 7: stream ended inside a header (2 of 4 bytes)");
  wire = codec.encode("abc") + codec.encode("hello").substr(0, 6);
  CHECK_THROWS_WITH(decode_all(codec, wire), "at byte 7: stream ended inside a payload (2 of 5 bytes)");
}

TEST_CASE("encoder refuses what the decoder could not read back", "[codec][length]") {
  LengthOptions one;
  one.width = 1;
  CHECK_THROWS_WITH(LengthCodec(one).encode(std::string(256, 'x')),
                    Catch::Contains("does not fit a 1-byte unsigned length field"));
  LengthOptions capped;
  capped.max_frame = 10;
  CHECK_THROWS(LengthCodec(capped).encode(std::string(11, 'x')));
  LengthOptions bad;
  bad.width = 9;
  CHECK_THROWS_AS(LengthCodec(bad), std::invalid_argument);
}

TEST_CASE("python_i is struct.pack('i')", "[codec][length]") {
  LengthCodec codec(LengthOptions::python_i());
  CHECK(hex(codec.encode("hello")) == "05000000" + hex("hello"));
}

TEST_CASE("line codec splits on \\n, drops a \\r before it, bounds a line", "[codec][line]") {
  auto codec = DelimiterCodec::lines(8);
  CHECK(decode_all(codec, "one\ntwo\r\n\nthree\n") ==
        std::vector<std::string>{hex("one"), hex("two"), "", hex("three")});
  CHECK_THROWS_WITH(decode_all(codec, "ok\n123456789\n"),
                    "at byte 3: no delimiter within the maximum frame of 8 bytes");
  CHECK_THROWS_WITH(decode_all(codec, "ok\nhalf"),
                    "at byte 3: stream ended inside a message (4 bytes without a delimiter)");
  CHECK(decode_all(codec, "12345678\n") == std::vector<std::string>{hex("12345678")});
}

TEST_CASE("delimiter codec finds a delimiter cut across chunks", "[codec][delimiter]") {
  DelimiterCodec codec("\r\n\r\n", 100);
  std::string wire = codec.encode("head one") + codec.encode("two");
  std::vector<std::string> expected{hex("head one"), hex("two")};
  for (std::size_t chunk = 1; chunk <= wire.size(); ++chunk) {
    INFO("chunk size " << chunk);
    REQUIRE(decode_all(codec, wire, {chunk}) == expected);
  }
  CHECK_THROWS_WITH(codec.encode("a\r\n\r\nb"), Catch::Contains("contains the delimiter"));
  // Found by fuzzing: "xa" + "aaa" would be read back as "x".
  CHECK_THROWS_WITH(DelimiterCodec("aaa").encode("xa"), Catch::Contains("ends with its start"));
  CHECK(DelimiterCodec("aaa").encode("ax") == "axaaa");
  CHECK(unescape("\\r\\n\\x00\\t\\\\") == std::string("\r\n\0\t\\", 5));
  CHECK_THROWS(unescape("\\x4"));
  CHECK_THROWS(unescape("\\q"));
}

TEST_CASE("fixed codec pads short messages and cuts the stream every N bytes", "[codec][fixed]") {
  FixedCodec codec(4);
  CHECK(hex(codec.encode("ab")) == "61620000");
  CHECK(decode_all(codec, "abcdefgh", {3}) == std::vector<std::string>{hex("abcd"), hex("efgh")});
  CHECK_THROWS_WITH(decode_all(codec, "abcdef"), "at byte 4: stream ended inside a frame (2 of 4 bytes)");
  CHECK_THROWS(codec.encode("abcde"));
}

TEST_CASE("every way of cutting a stream yields the same frames", "[codec][property]") {
  std::mt19937 random(GENERATE(1u, 2u, 3u, 4u, 5u));
  LengthCodec length_codec;
  auto line_codec = DelimiterCodec::lines();
  DelimiterCodec delimiter_codec("<>", 1 << 16);
  FixedCodec fixed_codec(16);
  const Codec* codecs[] = {&length_codec, &line_codec, &delimiter_codec, &fixed_codec};
  for (const Codec* codec : codecs) {
    std::string wire;
    std::vector<std::string> sent;
    for (int i = 0; i < 40; ++i) {
      std::string message(random() % 17, 'x');
      for (auto& ch : message) ch = static_cast<char>('a' + random() % 26);
      codec->encode(message, wire);
      if (codec == &fixed_codec) message.resize(16, '\0');
      sent.push_back(hex(message));
    }
    INFO(codec->describe());
    REQUIRE(decode_all(*codec, wire, {1}) == sent);
    std::vector<std::size_t> cuts;
    for (int i = 0; i < 64; ++i) cuts.push_back(1 + random() % 40);
    REQUIRE(decode_all(*codec, wire, cuts) == sent);
  }
}

TEST_CASE("frames are views: the decoder allocates nothing per frame once warm", "[codec][decoder]") {
  LengthCodec codec;
  Decoder decoder(codec);
  std::string batch;
  for (int i = 0; i < 100; ++i) codec.encode(std::string(1000, 'z'), batch);
  decoder.feed(batch);
  while (decoder.next()) {}
  decoder.feed(batch);  // warm: the buffer holds a batch already
  const char* before = decoder.pending().data();
  int frames = 0;
  while (auto frame = decoder.next()) {
    CHECK(frame->payload.data() >= before);
    CHECK(frame->payload.data() < before + batch.size());
    ++frames;
  }
  CHECK(frames == 100);
  CHECK(decoder.frames() == 200);
}

TEST_CASE("consume() gives the frames feed() and next() give, however the stream is cut", "[codec][decoder]") {
  LengthCodec length_codec;
  DelimiterCodec lines = DelimiterCodec::lines();
  FixedCodec fixed(7);
  std::mt19937 random(11);
  for (const Codec* codec : {static_cast<const Codec*>(&length_codec), static_cast<const Codec*>(&lines),
                             static_cast<const Codec*>(&fixed)}) {
    std::string wire;
    std::vector<std::string> sent;
    for (int i = 0; i < 300; ++i) {
      std::size_t size = codec == &fixed ? 7 : random() % (i % 10 == 0 ? 3000 : 40);
      std::string payload(size, static_cast<char>('a' + i % 26));
      sent.push_back(hex(payload));
      codec->encode(payload, wire);
    }
    for (std::size_t most : {std::size_t{1}, std::size_t{5}, std::size_t{64}, std::size_t{5000}}) {
      INFO(codec->describe() << ", pieces of 1.." << most);
      Decoder decoder(*codec);
      std::vector<std::string> got;
      std::string piece;  // reused, as a recv buffer is: consume() must not keep a view of it
      for (std::size_t at = 0; at < wire.size();) {
        std::size_t n = std::min<std::size_t>(wire.size() - at, 1 + random() % most);
        piece.assign(wire, at, n);
        decoder.consume(piece, [&](const Frame& f) { got.push_back(hex(f.payload)); });
        piece.assign(n, '\xee');
        at += n;
      }
      decoder.finish();
      CHECK(got == sent);
      CHECK(decoder.stream_offset() == wire.size());
    }
  }
}
