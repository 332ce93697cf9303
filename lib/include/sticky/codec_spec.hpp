// A codec as a user names it — frametool's options — so that a program, a trace and a
// command line all say the same thing:
//
//   sticky::CodecSpec spec;  spec.python_i = true;
//   auto codec = sticky::make_codec(spec);          // LengthCodec, 4 bytes little endian signed
//   sticky::to_string(spec);                        // "--python-i"
//   sticky::parse_codec_spec("--codec line");      // back again
//
// A trace's frame events carry to_string(spec), so a viewer decodes the stream the same way
// the program did instead of guessing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sticky/codec.hpp"

namespace sticky {

struct CodecSpec {
  std::string codec = "length";  // length, line, delimiter, fixed
  int length_bytes = 4;
  std::string endian = "big";
  bool is_signed = false;
  std::size_t length_offset = 0;
  std::int64_t length_adjust = 0;
  std::optional<std::size_t> skip;
  std::uint64_t max_frame = 16u << 20;
  bool python_i = false;
  std::string delimiter = "\\n";  // escaped, as typed: "\r\n", "\x00"
  std::size_t size = 0;           // fixed
};

// std::invalid_argument with a one-line reason when the options do not make a codec.
std::unique_ptr<Codec> make_codec(const CodecSpec& spec);
// The options that differ from the defaults, as frametool takes them; "--codec length" at least.
std::string to_string(const CodecSpec& spec);
// The words of to_string() back; std::invalid_argument on anything else.
CodecSpec parse_codec_spec(std::string_view words);
// The spec of a length codec's options.
CodecSpec spec_of(const LengthOptions& options);

}  // namespace sticky
