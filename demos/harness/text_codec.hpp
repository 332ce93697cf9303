// Python's text codecs, in C++ on glibc's iconv, for demo 11: bytes.decode(), an incremental
// decoder, and the words of Python's UnicodeDecodeError, so that the C++ demo and the
// student's Python program say the same thing about the same bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace harness {

// Bytes that are not text in the encoding, described as Python's UnicodeDecodeError would.
class TextError : public std::runtime_error {
 public:
  TextError(const std::string& what, std::size_t position) : std::runtime_error(what), position_(position) {}
  std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

struct Decoded {
  std::string text;                        // what decoded, as UTF-8 for the terminal
  std::size_t used = 0;                    // bytes that made whole characters
  std::optional<std::size_t> failed_at;    // where decoding stopped on bytes that are not text
  bool unfinished = false;                 // ... because the last character is cut short
  std::string error;                       // "'utf-8' codec can't decode byte 0xe6 in position 1023: …"
};

// UTF-8 (this source file) to the wire's encoding ("utf-8" or "gbk").
std::string encode(std::string_view text, std::string_view encoding);

// bytes.decode(encoding) when `final`; one step of an incremental decoder when not, where an
// unfinished character at the end is not an error: its bytes are simply not used yet.
Decoded decode_text(std::string_view bytes, std::string_view encoding, bool final);

// Python's codecs.getincrementaldecoder(encoding)(): decodes what it can and keeps the bytes
// of an unfinished character until the next piece completes it.
class IncrementalDecoder {
 public:
  explicit IncrementalDecoder(std::string encoding) : encoding_(std::move(encoding)) {}
  std::string decode(std::string_view piece, bool final = false);
  const std::string& pending() const { return pending_; }

 private:
  std::string encoding_;
  std::string pending_;
};

}  // namespace harness
