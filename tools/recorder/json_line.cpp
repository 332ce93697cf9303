#include "json_line.hpp"

#include <cstring>

namespace sticky_trace {

std::size_t format_decimal(std::int64_t value, char* out) {
  char digits[24];
  std::size_t n = 0;
  // Work in unsigned so that the most negative value has a magnitude too.
  std::uint64_t magnitude = value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  do {
    digits[n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  std::size_t length = 0;
  if (value < 0) out[length++] = '-';
  while (n > 0) out[length++] = digits[--n];
  return length;
}

void JsonLine::put(char c) {
  if (length_ < capacity_) buffer_[length_++] = c;
  else overflowed_ = true;
}

void JsonLine::put(const char* text, std::size_t length) {
  if (capacity_ - length_ < length) {
    overflowed_ = true;
    return;
  }
  std::memcpy(buffer_ + length_, text, length);
  length_ += length;
}

void JsonLine::put_literal(const char* text) { put(text, std::strlen(text)); }

void JsonLine::comma() {
  if (need_comma_) put(',');
  need_comma_ = true;
}

void JsonLine::key(const char* name) {
  comma();
  put('"');
  put_literal(name);
  put_literal("\":");
}

void JsonLine::begin_object() {
  comma();
  put('{');
  need_comma_ = false;
}

void JsonLine::end_object() {
  put('}');
  need_comma_ = true;
}

void JsonLine::end_line() {
  put_literal("}\n");
  need_comma_ = false;
}

void JsonLine::key_object(const char* name) {
  key(name);
  put('{');
  need_comma_ = false;
}

void JsonLine::key_array(const char* name) {
  key(name);
  put('[');
  need_comma_ = false;
}

void JsonLine::end_array() {
  put(']');
  need_comma_ = true;
}

void JsonLine::number(const char* name, std::int64_t value) {
  key(name);
  char digits[24];
  put(digits, format_decimal(value, digits));
}

void JsonLine::boolean(const char* name, bool value) {
  key(name);
  put_literal(value ? "true" : "false");
}

void JsonLine::string(const char* name, const char* text, std::size_t length) {
  key(name);
  quoted(text, length);
}

void JsonLine::string(const char* name, const char* text) { string(name, text, std::strlen(text)); }

void JsonLine::array_string(const char* text, std::size_t length) {
  comma();
  quoted(text, length);
}

namespace {

// Length of the well-formed UTF-8 sequence at `s` (at most `left` bytes), 0 if ill-formed.
std::size_t utf8_sequence(const unsigned char* s, std::size_t left) {
  unsigned char lead = s[0];
  std::size_t length;
  std::uint32_t code;
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) { length = 2; code = lead & 0x1f; }
  else if (lead >= 0xe0 && lead <= 0xef) { length = 3; code = lead & 0x0f; }
  else if (lead >= 0xf0 && lead <= 0xf4) { length = 4; code = lead & 0x07; }
  else return 0;
  if (left < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    code = (code << 6) | (s[i] & 0x3f);
  }
  if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10ffff))) return 0;
  if (code >= 0xd800 && code <= 0xdfff) return 0;  // UTF-16 surrogates are not characters
  return length;
}

}  // namespace

void JsonLine::quoted(const char* text, std::size_t length) {
  static const char kHex[] = "0123456789abcdef";
  const auto* bytes = reinterpret_cast<const unsigned char*>(text);
  put('"');
  for (std::size_t i = 0; i < length && !overflowed_;) {
    unsigned char c = bytes[i];
    if (c == '"' || c == '\\') {
      put('\\');
      put(static_cast<char>(c));
      ++i;
    } else if (c == '\n') {
      put_literal("\\n");
      ++i;
    } else if (c == '\t') {
      put_literal("\\t");
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      put(escape, sizeof escape);
      ++i;
    } else if (c < 0x80) {
      put(static_cast<char>(c));
      ++i;
    } else if (std::size_t n = utf8_sequence(bytes + i, length - i); n != 0) {
      put(text + i, n);
      i += n;
    } else {
      put_literal("\\ufffd");
      ++i;
    }
  }
  put('"');
}

void JsonLine::hex(const char* name, const iovec* iov, int count, std::size_t limit) {
  static const char kHex[] = "0123456789abcdef";
  key(name);
  put('"');
  for (int i = 0; i < count && limit > 0; ++i) {
    std::size_t take = iov[i].iov_len < limit ? iov[i].iov_len : limit;
    if (capacity_ - length_ < 2 * take) {
      overflowed_ = true;
      return;
    }
    const auto* bytes = static_cast<const unsigned char*>(iov[i].iov_base);
    char* out = buffer_ + length_;
    for (std::size_t j = 0; j < take; ++j) {
      out[2 * j] = kHex[bytes[j] >> 4];
      out[2 * j + 1] = kHex[bytes[j] & 15];
    }
    length_ += 2 * take;
    limit -= take;
  }
  put('"');
}

}  // namespace sticky_trace
