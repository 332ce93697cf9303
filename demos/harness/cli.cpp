#include "harness/cli.hpp"

#include <iostream>

namespace harness {

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string program = app.get_name().empty() ? "sticky" : app.get_name();
    std::cerr << program << ": " << e.what() << "\n"
              << "Run '" << program << " --help' for usage.\n";
    return 2;
  }
}

void add_codec_options(CLI::App& app, CodecSpec& spec) {
  app.add_option("--codec", spec.codec, "framing: length prefix, line, delimiter or fixed size")
      ->check(CLI::IsMember({"length", "line", "delimiter", "fixed"}))
      ->capture_default_str();
  auto* width = app.add_option("--length-bytes", spec.length_bytes, "width of the length field")
                    ->check(CLI::Range(1, 8))
                    ->capture_default_str();
  auto* endian = app.add_option("--endian", spec.endian, "byte order of the length field")
                     ->check(CLI::IsMember({"big", "little"}))
                     ->capture_default_str();
  auto* is_signed = app.add_flag("--signed", spec.is_signed, "the length field is signed (negative = error)");
  app.add_option("--length-offset", spec.length_offset, "bytes before the length field")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  app.add_option("--length-adjust", spec.length_adjust,
                 "payload length = field value + ADJUST (may be negative)")
      ->capture_default_str();
  app.add_option("--skip", spec.skip,
                 "bytes dropped from the frame start before the payload (default offset + length bytes)")
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--max-frame", spec.max_frame,
                 "largest payload accepted, checked before anything is buffered")
      ->capture_default_str();
  app.add_flag("--python-i", spec.python_i,
               "Python's struct.pack('i'): 4 bytes, little endian, signed")
      ->excludes(width)
      ->excludes(endian)
      ->excludes(is_signed);
  app.add_option("--delimiter", spec.delimiter, "delimiter for --codec delimiter (escapes \\n \\r \\0 \\xHH)")
      ->capture_default_str();
  app.add_option("--size", spec.size, "frame size for --codec fixed")->check(CLI::Range(1, 1 << 24));
}

std::unique_ptr<sticky::Codec> make_codec(const CodecSpec& spec) {
  if (spec.codec == "line") return std::make_unique<sticky::DelimiterCodec>(sticky::DelimiterCodec::lines(spec.max_frame));
  if (spec.codec == "delimiter")
    return std::make_unique<sticky::DelimiterCodec>(sticky::unescape(spec.delimiter), spec.max_frame);
  if (spec.codec == "fixed") {
    if (spec.size == 0) throw std::invalid_argument("--codec fixed needs --size N");
    return std::make_unique<sticky::FixedCodec>(spec.size);
  }
  sticky::LengthOptions o = spec.python_i ? sticky::LengthOptions::python_i() : sticky::LengthOptions{};
  if (!spec.python_i) {
    o.width = spec.length_bytes;
    o.big_endian = spec.endian == "big";
    o.is_signed = spec.is_signed;
  }
  o.offset = spec.length_offset;
  o.adjust = spec.length_adjust;
  o.skip = spec.skip;
  o.max_frame = spec.max_frame;
  return std::make_unique<sticky::LengthCodec>(o);
}

void add_shaping_options(CLI::App& app, ShapingArgs& args) {
  app.add_option("--split", args.split, "forward in pieces of at most N bytes, each received alone ([up:|down:]N)");
  app.add_option("--random-split", args.random_split,
                 "pieces of random size 1..MAX ([up:|down:]SEED[:MAX], MAX default 16; SEED 'random' picks one)");
  app.add_option("--pace", args.pace, "microseconds between pieces (default 1000)");
  app.add_option("--delay", args.delay, "one-way latency in ms, order kept ([up:|down:]MS)");
  app.add_option("--coalesce", args.coalesce, "hold bytes MS ms after the first, then forward them together");
  app.add_option("--cuts", args.cuts, "cut the stream after these byte offsets, each piece alone ([up:|down:]N,N...)");
}

void apply_shaping(const ShapingArgs& args, sticky::RelayOptions& options) {
  const std::pair<const char*, const std::vector<std::string>*> all[] = {
      {"split", &args.split}, {"random-split", &args.random_split}, {"pace", &args.pace},
      {"delay", &args.delay}, {"coalesce", &args.coalesce}, {"cuts", &args.cuts}};
  for (const auto& [name, values] : all)
    for (const auto& v : *values) sticky::apply_shaping(options, name, v);
}

}  // namespace harness
