// Command-line plumbing every binary shares: usage errors exit 2 with a hint, --help exits 0,
// and the codec options of DESIGN.md (frametool, the viewer) are declared once.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "sticky/codec.hpp"
#include "sticky/relay.hpp"

namespace harness {

// Parses; on --help prints it and returns 0, on a usage error prints one line and a hint on
// stderr and returns 2; otherwise returns nullopt and the program goes on.
std::optional<int> parse(CLI::App& app, int argc, char** argv);

// The codec options, as given on the command line.
struct CodecSpec {
  std::string codec = "length";
  int length_bytes = 4;
  std::string endian = "big";
  bool is_signed = false;
  std::size_t length_offset = 0;
  std::int64_t length_adjust = 0;
  std::optional<std::size_t> skip;
  std::uint64_t max_frame = 16u << 20;
  bool python_i = false;
  std::string delimiter = "\\n";
  std::size_t size = 0;
};

void add_codec_options(CLI::App& app, CodecSpec& spec);
// std::invalid_argument with a one-line reason when the options do not make a codec.
std::unique_ptr<sticky::Codec> make_codec(const CodecSpec& spec);

// The relay's shaping options (build/bin/relay and sticky-view --proxy): each value is "N"
// for both directions, or "up:N" / "down:N" for one.
struct ShapingArgs {
  std::vector<std::string> split, random_split, pace, delay, coalesce, cuts;
};
void add_shaping_options(CLI::App& app, ShapingArgs& args);
void apply_shaping(const ShapingArgs& args, sticky::RelayOptions& options);  // std::invalid_argument

}  // namespace harness
