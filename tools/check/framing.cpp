#include "check/framing.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>

namespace check {

using speak::Text;
using speak::tr;

namespace {

std::uint64_t number(std::string_view text, std::string_view what) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size())
    throw std::invalid_argument(tr("--framing: '{}' is not a {}", text, tr(what.data())).english);
  return value;
}

// The kinds of number, for number()'s message; xgettext finds them here.
[[maybe_unused]] const char* const kNumbers[] = {speak::N_("width"), speak::N_("size")};

// "\r\n" shown as typed.
std::string shown(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\\') out += "\\\\";
    else if (c < 0x20 || c >= 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}

// The SPEC that says `spec`, when one does; frametool's words otherwise.
std::string spec_words(const sticky::CodecSpec& s) {
  const sticky::CodecSpec d;
  if (s.length_offset || s.length_adjust || s.skip || s.max_frame != d.max_frame) return sticky::to_string(s);
  if (s.codec == "line") return "line";
  if (s.codec == "delimiter") return "delimiter:" + s.delimiter;
  if (s.codec == "fixed") return "fixed:" + std::to_string(s.size);
  if (s.python_i) return "python-i";
  if (s.length_bytes == 4 && s.endian == "big" && !s.is_signed) return "length";
  return fmt::format("length:{}:{}{}", s.length_bytes, s.endian, s.is_signed ? ":signed" : "");
}

}  // namespace

std::shared_ptr<const sticky::Codec> Framing::default_codec() {
  static const auto codec = std::make_shared<const sticky::LengthCodec>();
  return codec;
}

Framing Framing::of(const sticky::CodecSpec& spec) {
  Framing f;
  f.codec_ = sticky::make_codec(spec);
  f.spec_ = spec_words(spec);
  f.codec_spec_ = spec;
  return f;
}

Framing Framing::parse(std::string_view text) {
  Framing f;
  f.spec_ = std::string(text);
  auto colon = text.find(':');
  std::string_view kind = text.substr(0, colon);
  std::string_view rest = colon == text.npos ? std::string_view() : text.substr(colon + 1);
  sticky::CodecSpec spec;
  if (kind == "close" && rest.empty()) {
    f.codec_ = nullptr;
    return f;
  }
  if (kind == "json-header" && rest.empty()) {
    f.codec_ = std::make_shared<const JsonHeaderCodec>();
    f.json_ = true;
    return f;
  }
  if (kind == "python-i" && rest.empty()) {
    spec.python_i = true;
  } else if (kind == "line" && rest.empty()) {
    spec.codec = "line";
  } else if (kind == "delimiter" && colon != text.npos) {
    if (rest.empty()) throw std::invalid_argument(tr("--framing: delimiter: needs the delimiter after it").english);
    spec.codec = "delimiter";
    spec.delimiter = std::string(rest);
  } else if (kind == "fixed" && !rest.empty()) {
    spec.codec = "fixed";
    spec.size = static_cast<std::size_t>(number(rest, "size"));
    if (spec.size == 0) throw std::invalid_argument(tr("--framing: a fixed size of 0 frames nothing").english);
  } else if (kind == "length") {
    // length[:WIDTH[:big|little][:signed]]
    std::size_t part = 0;
    while (!rest.empty()) {
      auto next = rest.find(':');
      std::string_view word = rest.substr(0, next);
      if (part == 0) {
        spec.length_bytes = static_cast<int>(number(word, "width"));
        if (spec.length_bytes < 1 || spec.length_bytes > 8)
          throw std::invalid_argument(tr("--framing: a length field of {} bytes: 1 to 8", word).english);
      } else if (word == "big" || word == "little") {
        spec.endian = std::string(word);
      } else if (word == "signed") {
        spec.is_signed = true;
      } else {
        throw std::invalid_argument(tr("--framing: '{}' in '{}': expected big, little or signed", word, text).english);
      }
      ++part;
      if (next == rest.npos) break;
      rest.remove_prefix(next + 1);
    }
  } else {
    throw std::invalid_argument(
        tr("--framing: '{}' is not a framing: length[:WIDTH[:big|little][:signed]], python-i, line, "
           "delimiter:TEXT, fixed:SIZE, json-header or close",
           text)
            .english);
  }
  try {
    f.codec_ = sticky::make_codec(spec);
    f.codec_spec_ = spec;
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(tr("--framing {}: {}", text, speak::localized(e.what())).english);
  }
  return f;
}

const sticky::LengthCodec* Framing::length() const {
  return dynamic_cast<const sticky::LengthCodec*>(codec_.get());
}

Text Framing::describe() const {
  if (!codec_) return tr("one answer per connection, ended when the program closes it");
  if (json_) return tr("a 2-byte length, a JSON header that long with the body's \"content-length\", then the body");
  if (const auto* length = this->length()) {
    const auto& o = length->options();
    Text text = tr("length prefix: {} bytes, {}, {}", o.width, o.big_endian ? tr("big endian") : tr("little endian"),
                   o.is_signed ? tr("signed") : tr("unsigned"));
    if (o.width == 1) text = tr("length prefix: 1 byte, unsigned");
    if (o.offset) text = speak::plus(text, tr(", at offset {}", o.offset));
    if (o.adjust) text = speak::plus(text, tr(", adjusted by {}", o.adjust));
    if (length->skip() != length->header_size()) text = speak::plus(text, tr(", {} bytes skipped", length->skip()));
    if (o.max_frame != sticky::LengthOptions{}.max_frame)
      text = speak::plus(text, tr(", at most {} bytes", o.max_frame));
    return text;
  }
  if (codec_spec_.codec == "line") return tr("lines ending in \\n (or \\r\\n)");
  if (codec_spec_.codec == "delimiter") return tr("each ending in \"{}\"", shown(sticky::unescape(codec_spec_.delimiter)));
  if (codec_spec_.codec == "fixed") return tr("fixed size: {} bytes each", codec_spec_.size);
  return speak::localized(codec_->describe());
}

void apply_framing(Framings& framings, std::string_view value) {
  bool up = true, down = true;
  if (value.starts_with("up:")) {
    down = false;
    value.remove_prefix(3);
  } else if (value.starts_with("down:")) {
    up = false;
    value.remove_prefix(5);
  }
  Framing f = Framing::parse(value);
  if (f.ends_at_close() && up)
    throw std::invalid_argument(
        tr("--framing close: only answers end at close (down:close); a request that did would leave no way to answer")
            .english);
  if (up) framings.up = f;
  if (down) framings.down = f;
}

// ------------------------------------------------------------------------------ JSON header

void JsonHeaderCodec::encode(std::string_view payload, std::string& out) const {
  nlohmann::json header = {{"content-length", payload.size()},
                           {"content-type", "text/plain"},
                           {"content-encoding", "utf-8"},
                           {"byteorder", "little"}};
  std::string text = header.dump();
  if (text.size() > 0xffff) throw std::invalid_argument("a JSON header longer than 65535 bytes");
  if (payload.size() > max_frame_)
    throw std::invalid_argument(fmt::format("message of {} bytes exceeds the maximum frame of {}", payload.size(), max_frame_));
  out.push_back(static_cast<char>(text.size() >> 8));
  out.push_back(static_cast<char>(text.size() & 0xff));
  out += text;
  out += payload;
}

std::optional<sticky::Codec::Bounds> JsonHeaderCodec::find_frame(std::string_view buffered, std::uint64_t offset,
                                                                 std::size_t&) const {
  if (buffered.size() < kLengthBytes) return std::nullopt;
  std::size_t header = (static_cast<unsigned char>(buffered[0]) << 8) | static_cast<unsigned char>(buffered[1]);
  if (header == 0) throw sticky::FrameError(offset, tr("a JSON header of length 0").english);
  if (buffered.size() < kLengthBytes + header) return std::nullopt;
  auto parsed = nlohmann::json::parse(buffered.substr(kLengthBytes, header), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    throw sticky::FrameError(offset, tr("the {} bytes after the 2-byte length are no JSON object", header).english);
  auto it = parsed.find("content-length");
  if (it == parsed.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0)
    throw sticky::FrameError(offset, tr("the JSON header has no \"content-length\" of 0 or more").english);
  auto length = it->get<std::uint64_t>();
  if (length > max_frame_)
    throw sticky::FrameError(offset, fmt::format("length {} exceeds the maximum frame of {} bytes", length, max_frame_));
  std::size_t total = kLengthBytes + header + static_cast<std::size_t>(length);
  if (buffered.size() < total) return std::nullopt;
  return Bounds{total, kLengthBytes + header, static_cast<std::size_t>(length)};
}

std::string JsonHeaderCodec::describe_incomplete(std::string_view leftover) const {
  return tr("stream ended inside a message with a JSON header ({} bytes)", leftover.size()).english;
}

std::string JsonHeaderCodec::describe() const {
  return "json-header: a 2-byte length, a JSON header with \"content-length\", the body";
}

}  // namespace check
