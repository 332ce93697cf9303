// One JSON object, built in a buffer the caller owns. The recorder formats a line inside
// someone else's send() or recv(), maybe inside a signal handler, so nothing here
// allocates, locks or calls stdio: every append checks the room left, and a line that does
// not fit is reported by overflowed() so the caller can render it again in a bigger buffer.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

namespace sticky_trace {

class JsonLine {
 public:
  JsonLine(char* buffer, std::size_t capacity) : buffer_(buffer), capacity_(capacity) {}

  void begin_object();             // {
  void end_object();               // }
  void end_line();                 // }\n
  void key_object(const char* key);  // "key":{
  void key_array(const char* key);   // "key":[
  void end_array();                  // ]

  void number(const char* key, std::int64_t value);
  void boolean(const char* key, bool value);
  // Strings are written as valid JSON of valid UTF-8: control characters are escaped and
  // bytes that are not UTF-8 become U+FFFD, so any argv or path can be recorded.
  void string(const char* key, const char* text, std::size_t length);
  void string(const char* key, const char* text);
  void array_string(const char* text, std::size_t length);
  // The first `limit` bytes spread over `iov`, as lowercase hex.
  void hex(const char* key, const iovec* iov, int count, std::size_t limit);

  const char* data() const { return buffer_; }
  std::size_t size() const { return length_; }
  bool overflowed() const { return overflowed_; }

  // Room the escaped form of `text` needs at most, quotes included.
  static std::size_t escaped_size(std::size_t length) { return 6 * length + 2; }

 private:
  void put(char c);
  void put(const char* text, std::size_t length);
  void put_literal(const char* text);
  void comma();
  void key(const char* name);
  void quoted(const char* text, std::size_t length);

  char* buffer_;
  std::size_t capacity_;
  std::size_t length_ = 0;
  bool overflowed_ = false;
  bool need_comma_ = false;
};

// Decimal digits of `value` into `out` (at least 21 bytes); returns the count written.
std::size_t format_decimal(std::int64_t value, char* out);

}  // namespace sticky_trace
