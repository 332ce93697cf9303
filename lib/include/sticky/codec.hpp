// Framing: how a receiver finds message boundaries in a byte stream that has none.
//
// A Codec knows one framing rule. encode() puts a message into a frame — header and body in
// one contiguous buffer, so a single send() carries both. find_frame() looks at the bytes a
// receiver holds and says where the first complete frame ends, or that more must arrive.
// sticky::Decoder (decoder.hpp) feeds a codec from chunks of any size.
//
//   sticky::LengthCodec codec;                       // 4-byte big-endian length, then body
//   std::string wire = codec.encode("hello");        // "\0\0\0\5hello"
//
// Codecs:
//   LengthCodec     length prefix, configured like tokio-util's length_delimited
//   DelimiterCodec  a delimiter after each message; DelimiterCodec::lines() for "\n" / "\r\n"
//   FixedCodec      every message exactly N bytes
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sticky {

// Bytes that break the framing rule. offset() is the stream offset of the frame at fault.
class FrameError : public std::runtime_error {
 public:
  FrameError(std::uint64_t offset, const std::string& message);
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  std::uint64_t offset_;
};

class Codec {
 public:
  // Where a complete frame lies at the start of the buffered bytes.
  struct Bounds {
    std::size_t size;           // bytes the frame takes from the stream
    std::size_t payload_begin;  // where the message starts within those bytes
    std::size_t payload_size;
  };

  virtual ~Codec() = default;

  // Appends `payload` as one frame to `out`; std::invalid_argument if it cannot be framed.
  virtual void encode(std::string_view payload, std::string& out) const = 0;
  std::string encode(std::string_view payload) const;

  // Looks for a complete frame at the start of `buffered`, whose first byte is byte `offset`
  // of the stream. nullopt: more bytes are needed. Throws FrameError for bytes that can never
  // become a valid frame. `scanned` carries, between calls for the same frame, how many bytes
  // are already known to hold no frame end, so that one-byte chunks cost O(n), not O(n^2).
  virtual std::optional<Bounds> find_frame(std::string_view buffered, std::uint64_t offset,
                                           std::size_t& scanned) const = 0;

  // Why `leftover` (bytes at end of stream that are not a complete frame) is incomplete.
  virtual std::string describe_incomplete(std::string_view leftover) const = 0;

  // One line for people: "length: 4 bytes, big endian, unsigned".
  virtual std::string describe() const = 0;
};

// tokio-util length_delimited semantics:
//   header      = `offset` bytes, then a `width`-byte length field
//   payload len = field value + `adjust`      (adjust may be negative)
//   the frame   = `skip` bytes dropped from the start, then payload len bytes
//                 (skip defaults to offset + width; skip 0 keeps the header in the frame)
// `max_frame` bounds value + adjust and is checked before anything is buffered for it.
struct LengthOptions {
  int width = 4;                    // 1..8
  bool big_endian = true;           // network order
  bool is_signed = false;           // a negative value is an error, never a huge length
  std::size_t offset = 0;
  std::int64_t adjust = 0;
  std::optional<std::size_t> skip;  // default offset + width
  std::uint64_t max_frame = 16u << 20;

  // Python's struct.pack('i', n) on x86: 4 bytes, little endian, signed.
  static LengthOptions python_i();
};

class LengthCodec : public Codec {
 public:
  explicit LengthCodec(LengthOptions options = {});  // std::invalid_argument if inconsistent

  const LengthOptions& options() const noexcept { return options_; }
  std::size_t header_size() const noexcept { return options_.offset + options_.width; }
  std::size_t skip() const noexcept { return skip_; }
  // The length field's value at the start of a buffer holding at least header_size() bytes,
  // sign-extended when the field is signed.
  std::int64_t read_signed_field(std::string_view header) const;
  std::uint64_t read_field(std::string_view header) const;

  using Codec::encode;
  void encode(std::string_view payload, std::string& out) const override;
  std::optional<Bounds> find_frame(std::string_view buffered, std::uint64_t offset,
                                   std::size_t& scanned) const override;
  std::string describe_incomplete(std::string_view leftover) const override;
  std::string describe() const override;

 private:
  LengthOptions options_;
  std::size_t skip_;
};

// A delimiter ends each message. max_frame bounds the message, delimiter excluded.
class DelimiterCodec : public Codec {
 public:
  DelimiterCodec(std::string delimiter, std::size_t max_frame = 64u << 10, bool strip_cr = false);
  // "\n"-terminated lines; a "\r" before the "\n" is dropped too.
  static DelimiterCodec lines(std::size_t max_frame = 64u << 10);

  const std::string& delimiter() const noexcept { return delimiter_; }

  using Codec::encode;
  void encode(std::string_view payload, std::string& out) const override;
  std::optional<Bounds> find_frame(std::string_view buffered, std::uint64_t offset,
                                   std::size_t& scanned) const override;
  std::string describe_incomplete(std::string_view leftover) const override;
  std::string describe() const override;

 private:
  std::string delimiter_;
  std::size_t max_frame_;
  bool strip_cr_;
};

// Every frame is exactly `size` bytes; shorter messages are padded with NUL bytes.
class FixedCodec : public Codec {
 public:
  explicit FixedCodec(std::size_t size);

  using Codec::encode;
  void encode(std::string_view payload, std::string& out) const override;
  std::optional<Bounds> find_frame(std::string_view buffered, std::uint64_t offset,
                                   std::size_t& scanned) const override;
  std::string describe_incomplete(std::string_view leftover) const override;
  std::string describe() const override;

 private:
  std::size_t size_;
};

// "\n", "\r\n", "\0", "\t", "\\", "\xHH" in `text` become the bytes they name.
std::string unescape(std::string_view text);  // std::invalid_argument on a bad escape

}  // namespace sticky
