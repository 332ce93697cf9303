#include "sticky/codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace sticky {

// Length arithmetic in 128 bits: a 64-bit field plus a signed adjustment cannot overflow it.
__extension__ using Wide = __int128;

FrameError::FrameError(std::uint64_t offset, const std::string& message)
    : std::runtime_error(fmt::format("at byte {}: {}", offset, message)), offset_(offset) {}

std::string Codec::encode(std::string_view payload) const {
  std::string out;
  encode(payload, out);
  return out;
}

// ---------------------------------------------------------------------------------- length

LengthOptions LengthOptions::python_i() {
  LengthOptions o;
  o.width = 4;
  o.big_endian = false;
  o.is_signed = true;
  return o;
}

LengthCodec::LengthCodec(LengthOptions options) : options_(options) {
  if (options_.width < 1 || options_.width > 8)
    throw std::invalid_argument(fmt::format("length field width {} is not 1..8 bytes", options_.width));
  if (options_.offset > (1u << 20))
    throw std::invalid_argument(fmt::format("length field offset {} is too large", options_.offset));
  skip_ = options_.skip.value_or(header_size());
  if (skip_ > (1u << 20))
    throw std::invalid_argument(fmt::format("skip {} is too large", skip_));
}

std::uint64_t LengthCodec::read_field(std::string_view header) const {
  const auto* p = reinterpret_cast<const unsigned char*>(header.data()) + options_.offset;
  std::uint64_t value = 0;
  for (int i = 0; i < options_.width; ++i) {
    int index = options_.big_endian ? i : options_.width - 1 - i;
    value = (value << 8) | p[index];
  }
  return value;
}

std::int64_t LengthCodec::read_signed_field(std::string_view header) const {
  std::uint64_t raw = read_field(header);
  int bits = options_.width * 8;
  if (options_.is_signed && bits < 64 && (raw >> (bits - 1)) & 1) raw |= ~std::uint64_t{0} << bits;
  return static_cast<std::int64_t>(raw);
}

void LengthCodec::encode(std::string_view payload, std::string& out) const {
  if (payload.size() > options_.max_frame)
    throw std::invalid_argument(fmt::format("message of {} bytes exceeds the maximum frame of {}",
                                            payload.size(), options_.max_frame));
  if (skip_ > header_size())
    throw std::invalid_argument("cannot encode when skip is beyond the header");
  // The decoder returns bytes [skip, skip + value + adjust): the header's tail past `skip`,
  // then the payload. Choose the value that makes it so.
  Wide value = static_cast<Wide>(header_size() - skip_) + payload.size() - options_.adjust;
  int bits = options_.width * 8;
  Wide limit = options_.is_signed ? (Wide{1} << (bits - 1)) - 1 : (Wide{1} << bits) - 1;
  if (value < 0 || value > limit)
    throw std::invalid_argument(fmt::format("a {}-byte message does not fit a {}-byte {} length field",
                                            payload.size(), options_.width,
                                            options_.is_signed ? "signed" : "unsigned"));
  out.append(options_.offset, '\0');
  auto v = static_cast<std::uint64_t>(value);
  for (int i = 0; i < options_.width; ++i) {
    int shift = options_.big_endian ? (options_.width - 1 - i) * 8 : i * 8;
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
  out.append(payload);
}

std::optional<Codec::Bounds> LengthCodec::find_frame(std::string_view buffered, std::uint64_t offset,
                                                     std::size_t&) const {
  if (buffered.size() < header_size()) return std::nullopt;
  Wide value = options_.is_signed ? Wide{read_signed_field(buffered)}
                                      : Wide{read_field(buffered)};
  if (value < 0)
    throw FrameError(offset, fmt::format("negative length {}", static_cast<std::int64_t>(value)));
  Wide length = value + options_.adjust;
  if (length < 0)
    throw FrameError(offset, fmt::format("length {} with adjust {} is negative",
                                         static_cast<std::uint64_t>(value), options_.adjust));
  if (length > static_cast<Wide>(options_.max_frame))
    throw FrameError(offset, fmt::format("length {} exceeds the maximum frame of {} bytes",
                                         static_cast<std::uint64_t>(length), options_.max_frame));
  auto payload = static_cast<std::size_t>(length);
  if (skip_ + payload < header_size())
    throw FrameError(offset, fmt::format("length {} ends the frame inside its own {}-byte header",
                                         static_cast<std::uint64_t>(length), header_size()));
  if (buffered.size() < skip_ + payload) return std::nullopt;
  return Bounds{skip_ + payload, skip_, payload};
}

std::string LengthCodec::describe_incomplete(std::string_view leftover) const {
  if (leftover.size() < header_size())
    return fmt::format("stream ended inside a header ({} of {} bytes)", leftover.size(), header_size());
  // The decoder validated this header when it arrived: value + adjust is a sane length.
  auto length = static_cast<std::uint64_t>(read_signed_field(leftover) + options_.adjust);
  std::size_t have = leftover.size() > skip_ ? leftover.size() - skip_ : 0;
  return fmt::format("stream ended inside a payload ({} of {} bytes)", have, length);
}

std::string LengthCodec::describe() const {
  std::string text = fmt::format("length prefix: {} byte{}, {} endian, {}", options_.width,
                                 options_.width == 1 ? "" : "s",
                                 options_.big_endian ? "big" : "little",
                                 options_.is_signed ? "signed" : "unsigned");
  if (options_.offset) text += fmt::format(", at offset {}", options_.offset);
  if (options_.adjust) text += fmt::format(", adjust {}", options_.adjust);
  if (skip_ != header_size()) text += fmt::format(", skip {}", skip_);
  text += fmt::format(", max frame {}", options_.max_frame);
  return text;
}

// ------------------------------------------------------------------------------- delimiter

DelimiterCodec::DelimiterCodec(std::string delimiter, std::size_t max_frame, bool strip_cr)
    : delimiter_(std::move(delimiter)), max_frame_(max_frame), strip_cr_(strip_cr) {
  if (delimiter_.empty()) throw std::invalid_argument("the delimiter must not be empty");
}

DelimiterCodec DelimiterCodec::lines(std::size_t max_frame) { return DelimiterCodec("\n", max_frame, true); }

void DelimiterCodec::encode(std::string_view payload, std::string& out) const {
  // Not only inside: a message ending in the delimiter's first bytes ("xa" before "aaa")
  // would make the receiver find the delimiter early, and split the message there.
  std::string framed = std::string(payload) + delimiter_;
  if (framed.find(delimiter_) != payload.size())
    throw std::invalid_argument("the message contains the delimiter, or ends with its start; a receiver would split it");
  if (payload.size() > max_frame_)
    throw std::invalid_argument(fmt::format("message of {} bytes exceeds the maximum frame of {}",
                                            payload.size(), max_frame_));
  out.append(payload);
  out.append(delimiter_);
}

std::optional<Codec::Bounds> DelimiterCodec::find_frame(std::string_view buffered,
                                                        std::uint64_t offset,
                                                        std::size_t& scanned) const {
  // A frame is at most max_frame_ bytes of message plus the delimiter: look no further.
  std::size_t limit = std::min(buffered.size(), max_frame_ + delimiter_.size());
  // Restart where the last search stopped, minus a partial delimiter that may now complete.
  std::size_t from = scanned >= delimiter_.size() ? scanned - (delimiter_.size() - 1) : 0;
  std::string_view window = buffered.substr(0, limit);
  std::size_t at = window.find(delimiter_, from);
  if (at == window.npos) {
    scanned = limit;
    if (limit == max_frame_ + delimiter_.size())
      throw FrameError(offset, fmt::format("no delimiter within the maximum frame of {} bytes", max_frame_));
    return std::nullopt;
  }
  std::size_t size = at;
  if (strip_cr_ && size > 0 && buffered[size - 1] == '\r') --size;
  return Bounds{at + delimiter_.size(), 0, size};
}

std::string DelimiterCodec::describe_incomplete(std::string_view leftover) const {
  return fmt::format("stream ended inside a message ({} bytes without a delimiter)", leftover.size());
}

std::string DelimiterCodec::describe() const {
  std::string shown;
  for (unsigned char c : delimiter_) {
    if (c == '\n') shown += "\\n";
    else if (c == '\r') shown += "\\r";
    else if (c == '\t') shown += "\\t";
    else if (c == '\\') shown += "\\\\";
    else if (c < 0x20 || c >= 0x7f) shown += fmt::format("\\x{:02x}", c);
    else shown += static_cast<char>(c);
  }
  return fmt::format("delimiter \"{}\"{}, max frame {}", shown, strip_cr_ ? " (a \\r before it is dropped)" : "",
                     max_frame_);
}

// ----------------------------------------------------------------------------------- fixed

FixedCodec::FixedCodec(std::size_t size) : size_(size) {
  if (size_ == 0) throw std::invalid_argument("a fixed frame needs at least 1 byte");
}

void FixedCodec::encode(std::string_view payload, std::string& out) const {
  if (payload.size() > size_)
    throw std::invalid_argument(fmt::format("message of {} bytes does not fit a fixed frame of {}",
                                            payload.size(), size_));
  out.append(payload);
  out.append(size_ - payload.size(), '\0');
}

std::optional<Codec::Bounds> FixedCodec::find_frame(std::string_view buffered, std::uint64_t,
                                                    std::size_t&) const {
  if (buffered.size() < size_) return std::nullopt;
  return Bounds{size_, 0, size_};
}

std::string FixedCodec::describe_incomplete(std::string_view leftover) const {
  return fmt::format("stream ended inside a frame ({} of {} bytes)", leftover.size(), size_);
}

std::string FixedCodec::describe() const { return fmt::format("fixed size: {} bytes", size_); }

// --------------------------------------------------------------------------------- escapes

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    if (++i == text.size()) throw std::invalid_argument("a lone backslash ends the text");
    switch (text[i]) {
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case '0': out.push_back('\0'); break;
      case '\\': out.push_back('\\'); break;
      case 'x': {
        auto hex = [](char c) -> int {
          if (c >= '0' && c <= '9') return c - '0';
          if (c >= 'a' && c <= 'f') return c - 'a' + 10;
          if (c >= 'A' && c <= 'F') return c - 'A' + 10;
          return -1;
        };
        if (i + 2 >= text.size() || hex(text[i + 1]) < 0 || hex(text[i + 2]) < 0)
          throw std::invalid_argument("\\x needs two hex digits");
        out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
        i += 2;
        break;
      }
      default:
        throw std::invalid_argument(fmt::format("unknown escape \\{}", text[i]));
    }
  }
  return out;
}

}  // namespace sticky
