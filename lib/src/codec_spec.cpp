#include "sticky/codec_spec.hpp"

#include <charconv>
#include <vector>

namespace sticky {

std::unique_ptr<Codec> make_codec(const CodecSpec& spec) {
  if (spec.codec == "line") return std::make_unique<DelimiterCodec>(DelimiterCodec::lines(spec.max_frame));
  if (spec.codec == "delimiter") return std::make_unique<DelimiterCodec>(unescape(spec.delimiter), spec.max_frame);
  if (spec.codec == "fixed") {
    if (spec.size == 0) throw std::invalid_argument("--codec fixed needs --size N");
    return std::make_unique<FixedCodec>(spec.size);
  }
  if (spec.codec != "length") throw std::invalid_argument("unknown codec '" + spec.codec + "'");
  LengthOptions o = spec.python_i ? LengthOptions::python_i() : LengthOptions{};
  if (!spec.python_i) {
    o.width = spec.length_bytes;
    o.big_endian = spec.endian == "big";
    o.is_signed = spec.is_signed;
  }
  o.offset = spec.length_offset;
  o.adjust = spec.length_adjust;
  o.skip = spec.skip;
  o.max_frame = spec.max_frame;
  return std::make_unique<LengthCodec>(o);
}

std::string to_string(const CodecSpec& spec) {
  const CodecSpec defaults;
  std::string out = spec.python_i ? "--python-i" : "--codec " + spec.codec;
  auto add = [&](const char* option, const std::string& value) { out += std::string(" ") + option + " " + value; };
  if (spec.codec == "length" && !spec.python_i) {
    if (spec.length_bytes != defaults.length_bytes) add("--length-bytes", std::to_string(spec.length_bytes));
    if (spec.endian != defaults.endian) add("--endian", spec.endian);
    if (spec.is_signed) out += " --signed";
  }
  if (spec.codec == "length") {
    if (spec.length_offset) add("--length-offset", std::to_string(spec.length_offset));
    if (spec.length_adjust) add("--length-adjust", std::to_string(spec.length_adjust));
    if (spec.skip) add("--skip", std::to_string(*spec.skip));
  }
  if (spec.codec == "delimiter") {
    std::string escaped;  // no spaces inside a word
    for (char c : spec.delimiter) escaped += c == ' ' ? std::string("\\x20") : std::string(1, c);
    add("--delimiter", escaped);
  }
  if (spec.codec == "fixed") add("--size", std::to_string(spec.size));
  if (spec.max_frame != defaults.max_frame && spec.codec != "fixed") add("--max-frame", std::to_string(spec.max_frame));
  return out;
}

namespace {
template <typename T>
T number(std::string_view option, std::string_view text) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size())
    throw std::invalid_argument(std::string(option) + ": '" + std::string(text) + "' is not a number");
  return value;
}
}  // namespace

CodecSpec parse_codec_spec(std::string_view words) {
  std::vector<std::string_view> w;
  while (!words.empty()) {
    auto space = words.find(' ');
    if (space != 0) w.push_back(words.substr(0, space));
    if (space == std::string_view::npos) break;
    words.remove_prefix(space + 1);
  }
  CodecSpec spec;
  for (std::size_t i = 0; i < w.size(); ++i) {
    std::string_view option = w[i];
    if (option == "--python-i") { spec.python_i = true; continue; }
    if (option == "--signed") { spec.is_signed = true; continue; }
    if (i + 1 == w.size()) throw std::invalid_argument("codec option " + std::string(option) + " needs a value");
    std::string_view value = w[++i];
    if (option == "--codec") spec.codec = value;
    else if (option == "--length-bytes") spec.length_bytes = number<int>(option, value);
    else if (option == "--endian") spec.endian = value;
    else if (option == "--length-offset") spec.length_offset = number<std::size_t>(option, value);
    else if (option == "--length-adjust") spec.length_adjust = number<std::int64_t>(option, value);
    else if (option == "--skip") spec.skip = number<std::size_t>(option, value);
    else if (option == "--max-frame") spec.max_frame = number<std::uint64_t>(option, value);
    else if (option == "--delimiter") spec.delimiter = value;
    else if (option == "--size") spec.size = number<std::size_t>(option, value);
    else throw std::invalid_argument("unknown codec option '" + std::string(option) + "'");
  }
  return spec;
}

CodecSpec spec_of(const LengthOptions& o) {
  CodecSpec spec;
  const LengthOptions p = LengthOptions::python_i();
  spec.python_i = o.width == p.width && o.big_endian == p.big_endian && o.is_signed == p.is_signed;
  spec.length_bytes = o.width;
  spec.endian = o.big_endian ? "big" : "little";
  spec.is_signed = o.is_signed;
  spec.length_offset = o.offset;
  spec.length_adjust = o.adjust;
  spec.skip = o.skip;
  spec.max_frame = o.max_frame;
  return spec;
}

}  // namespace sticky
