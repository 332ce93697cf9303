#include "harness/text_codec.hpp"

#include <fmt/format.h>
#include <iconv.h>

#include <cerrno>

#include "sticky/error.hpp"

namespace harness {

namespace {

// One direction of glibc's iconv, opened once.
class Converter {
 public:
  Converter(const char* to, const char* from) : cd_(::iconv_open(to, from)) {
    if (cd_ == reinterpret_cast<iconv_t>(-1)) sticky::throw_errno("iconv_open", fmt::format("{} to {}", from, to));
  }
  ~Converter() { ::iconv_close(cd_); }
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;

  // Converts as much of `in` as forms whole characters. Returns errno's verdict on the rest:
  // 0 all converted, EINVAL an unfinished character at the end, EILSEQ an invalid byte.
  int convert(std::string_view in, std::string& out, std::size_t& used) {
    ::iconv(cd_, nullptr, nullptr, nullptr, nullptr);  // a fresh start: no state from a last call
    std::string buffer(in.size() * 2 + 16, '\0');  // GBK's 2 bytes become at most 3 in UTF-8
    char* from = const_cast<char*>(in.data());     // iconv's signature predates const
    std::size_t from_left = in.size();
    char* to = buffer.data();
    std::size_t to_left = buffer.size();
    int verdict = ::iconv(cd_, &from, &from_left, &to, &to_left) == static_cast<std::size_t>(-1) ? errno : 0;
    out.append(buffer.data(), buffer.size() - to_left);
    used = in.size() - from_left;
    return verdict;
  }

 private:
  iconv_t cd_;
};

const char* iconv_name(std::string_view encoding) { return encoding == "gbk" ? "GBK" : "UTF-8"; }

}  // namespace

// UTF-8 (this source file) to the wire's encoding.
std::string encode(std::string_view text, std::string_view encoding) {
  Converter to_wire(iconv_name(encoding), "UTF-8");
  std::string out;
  std::size_t used = 0;
  if (to_wire.convert(text, out, used) != 0) throw std::invalid_argument("text not representable in " + std::string(encoding));
  return out;
}

namespace {
// Python's wording, so the C++ demo and the Python lesson programs say the same thing.
std::string python_reason(std::string_view encoding, int verdict, unsigned char byte) {
  if (encoding == "gbk") return verdict == EINVAL ? "incomplete multibyte sequence" : "illegal multibyte sequence";
  if (verdict == EINVAL) return "unexpected end of data";
  bool cannot_start = (byte & 0xc0) == 0x80 || byte == 0xc0 || byte == 0xc1 || byte >= 0xf5;
  return cannot_start ? "invalid start byte" : "invalid continuation byte";
}
}  // namespace

// bytes.decode(encoding) when `final`; one step of an incremental decoder when not, where an
// unfinished character at the end is not an error: its bytes are simply not used yet.
Decoded decode_text(std::string_view bytes, std::string_view encoding, bool final) {
  Converter from_wire("UTF-8", iconv_name(encoding));
  Decoded d;
  int verdict = from_wire.convert(bytes, d.text, d.used);
  if (verdict == 0 || (verdict == EINVAL && !final)) return d;
  d.failed_at = d.used;
  d.unfinished = verdict == EINVAL;
  auto byte = static_cast<unsigned char>(bytes[d.used]);
  d.error = fmt::format("'{}' codec can't decode byte 0x{:02x} in position {}: {}", encoding, byte, d.used,
                        python_reason(encoding, verdict, byte));
  return d;
}

std::string IncrementalDecoder::decode(std::string_view piece, bool final) {
  pending_ += piece;
  Decoded d = decode_text(pending_, encoding_, final);
  if (d.failed_at) throw TextError(d.error, *d.failed_at);
  pending_.erase(0, d.used);
  return d.text;
}

}  // namespace harness
