// How each direction of a conversation is framed. Requests (up: client to server) and
// answers (down: server to client) may differ: questions ending in '?' answered by lines
// ending in '.', a 2-byte length and a JSON header, answers that end when the server
// closes the connection. Written on the command line as the relay writes its shaping, a
// value for both directions or for one:
//
//   --framing line                     both directions: lines ending in \n
//   --framing up:delimiter:?  --framing down:delimiter:.
//   --framing up:line --framing down:close      one question a connection, the answer until close
//   --framing json-header              realpython's: a 2-byte length, a JSON header, the body
//
// SPEC: length[:WIDTH[:big|little][:signed]], python-i, line, delimiter:TEXT (escapes \n \r
// \0 \xHH), fixed:SIZE, json-header, close (answers only). Without --framing, frametool's
// codec options (--codec, --length-bytes, --python-i, ...) frame both directions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "speak/text.hpp"
#include "sticky/codec.hpp"
#include "sticky/codec_spec.hpp"

namespace check {

class Framing {
 public:
  Framing() = default;  // the default codec: a 4-byte big-endian length
  // A codec of frametool's options; std::invalid_argument when they make none.
  static Framing of(const sticky::CodecSpec& spec);
  // SPEC as above, without the up:/down: prefix; std::invalid_argument on anything else.
  static Framing parse(std::string_view spec);

  // The codec that finds this direction's frames; nullptr when messages end at close.
  const sticky::Codec* codec() const { return codec_.get(); }
  bool ends_at_close() const { return !codec_; }
  // A length prefix (the codec's), else nullptr.
  const sticky::LengthCodec* length() const;
  bool json_header() const { return json_; }
  // What the user wrote (a SPEC, or frametool's options), for replay commands and JSON.
  const std::string& spec() const { return spec_; }
  // In words, in the user's language: "length prefix: 4 bytes, big endian, unsigned".
  speak::Text describe() const;

 private:
  std::shared_ptr<const sticky::Codec> codec_ = default_codec();
  std::string spec_ = "length";
  sticky::CodecSpec codec_spec_;  // the codec's options, unless JSON header or close
  bool json_ = false;
  static std::shared_ptr<const sticky::Codec> default_codec();
};

// Both directions' framings, as the options gave them.
struct Framings {
  Framing up, down;
  bool same() const { return up.spec() == down.spec(); }
};

// Applies one --framing value ("[up:|down:]SPEC") to `framings`; std::invalid_argument.
void apply_framing(Framings& framings, std::string_view value);

// The protocol realpython's socket tutorial speaks: a 2-byte big-endian length, then a JSON
// header of that many bytes whose "content-length" says how long the body after it is.
//   {"content-encoding": "utf-8", "content-length": 5, "content-type": "text/plain"} + hello
class JsonHeaderCodec : public sticky::Codec {
 public:
  explicit JsonHeaderCodec(std::uint64_t max_frame = 16u << 20) : max_frame_(max_frame) {}

  using Codec::encode;
  void encode(std::string_view payload, std::string& out) const override;
  std::optional<Bounds> find_frame(std::string_view buffered, std::uint64_t offset,
                                   std::size_t& scanned) const override;
  std::string describe_incomplete(std::string_view leftover) const override;
  std::string describe() const override;

  static constexpr std::size_t kLengthBytes = 2;

 private:
  std::uint64_t max_frame_;
};

}  // namespace check
