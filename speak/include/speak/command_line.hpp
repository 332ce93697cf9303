// What every sticky binary's command line shares, bound to CLI11 in a few lines each:
// --help exits 0, a usage error is one line and a hint with exit 2, and the codec and
// shaping options of README.md (frametool, relay) are declared once.
//
//   CLI::App app{"what it does", "frametool"};
//   sticky::CodecSpec spec;
//   speak::cli::add_codec_options(app, spec);
//   if (auto status = speak::cli::parse(app, argc, argv)) return *status;
//   return speak::run("frametool", [&] { ...; return 0; });   // exceptions -> exit 1 (text.hpp)
//
// Header-only, so that lib itself does not depend on CLI11; only binaries include it.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <exception>
#include <memory>
#include <sstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "speak/terminal.hpp"
#include "sticky/codec_spec.hpp"
#include "sticky/relay.hpp"

namespace speak::cli {

// Words of `text` in lines of at most `width` columns (its own line breaks kept).
inline std::string wrap(const std::string& text, std::size_t width) { return speak::wrap(text, width, 0); }

// CLI11's help, folded to fit 80 columns: every binary's --help reads on a classroom
// terminal and in a man page.
class Formatter80 : public CLI::Formatter {
 public:
  Formatter80() { column_width(30); }
  std::string make_option_desc(const CLI::Option* opt) const override {
    return wrap(CLI::Formatter::make_option_desc(opt), 80 - 30);
  }
  std::string make_description(const CLI::App* app) const override {
    return wrap(CLI::Formatter::make_description(app), 80);
  }
  std::string make_footer(const CLI::App* app) const override { return wrap(CLI::Formatter::make_footer(app), 80); }
  std::string make_subcommand(const CLI::App* sub) const override {
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_display_name(), wrap(sub->get_description(), 80 - 30), 30);
    return out.str();
  }
};

inline void fit_help(CLI::App& app) {
  app.formatter(std::make_shared<Formatter80>());
  for (auto* sub : app.get_subcommands({})) fit_help(*sub);
}

// Parses; on --help prints it and returns 0, on a usage error prints one line and a hint on
// stderr and returns 2; otherwise returns nullopt and the program goes on.
inline std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  fit_help(app);
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string program = app.get_name().empty() ? "sticky" : app.get_name();
    fmt::print(stderr, "{}: {}\nRun '{} --help' for usage.\n", program, e.what(), program);
    return 2;
  }
}

inline void add_codec_options(CLI::App& app, sticky::CodecSpec& spec) {
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
  app.add_option("--length-adjust", spec.length_adjust, "payload length = field value + ADJUST (may be negative)")
      ->capture_default_str();
  app.add_option("--skip", spec.skip,
                 "bytes dropped from the frame start before the payload (default offset + length bytes)")
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--max-frame", spec.max_frame, "largest payload accepted, checked before anything is buffered")
      ->capture_default_str();
  app.add_flag("--python-i", spec.python_i, "Python's struct.pack('i'): 4 bytes, little endian, signed")
      ->excludes(width)
      ->excludes(endian)
      ->excludes(is_signed);
  app.add_option("--delimiter", spec.delimiter, "delimiter for --codec delimiter (escapes \\n \\r \\0 \\xHH)")
      ->capture_default_str();
  app.add_option("--size", spec.size, "frame size for --codec fixed")->check(CLI::Range(1, 1 << 24));
}

// The relay's shaping options (relay, sticky-view --proxy): each value is "N" for both
// directions, or "up:N" / "down:N" for one.
struct ShapingArgs {
  std::vector<std::string> split, random_split, pace, delay, coalesce, cuts, await_reads;
};

inline void add_shaping_options(CLI::App& app, ShapingArgs& args) {
  app.add_option("--split", args.split, "forward in pieces of at most N bytes, each received alone ([up:|down:]N)");
  app.add_option("--random-split", args.random_split,
                 "pieces of random size 1..MAX ([up:|down:]SEED[:MAX], MAX default 16; SEED 'random' picks one)");
  app.add_option("--pace", args.pace, "microseconds between pieces (default 1000)");
  app.add_option("--delay", args.delay, "one-way latency in ms, order kept ([up:|down:]MS)");
  app.add_option("--coalesce", args.coalesce, "hold bytes MS ms after the first, then forward them together");
  app.add_option("--cuts", args.cuts, "cut the stream after these byte offsets, each piece alone ([up:|down:]N,N...)");
  app.add_option("--await-reads", args.await_reads,
                 "send a piece only once the receiver has read the last, waiting at most MS ([up:|down:]MS; same machine)");
}

// std::invalid_argument with a one-line reason on a bad value.
inline void apply_shaping(const ShapingArgs& args, sticky::RelayOptions& options) {
  const std::pair<const char*, const std::vector<std::string>*> all[] = {{"split", &args.split},
                                                                         {"random-split", &args.random_split},
                                                                         {"pace", &args.pace},
                                                                         {"delay", &args.delay},
                                                                         {"coalesce", &args.coalesce},
                                                                         {"cuts", &args.cuts},
                                                                         {"await-reads", &args.await_reads}};
  for (const auto& [name, values] : all)
    for (const auto& v : *values) sticky::apply_shaping(options, name, v);
}

}  // namespace speak::cli
