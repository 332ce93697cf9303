// frametool — put messages into frames, take them out again, and look inside.
//
//   frametool encode hello world | frametool decode --chunk 1
//   printf '\x05\x00\x00\x00hello' | frametool decode --python-i --format json
//   frametool encode hello | frametool inspect
//
// decode feeds the decoder in pieces (--chunk, --random-chunks) to show that how the stream
// was cut makes no difference to a correct decoder. A length that makes no sense is
// explained: its bytes as text when they are printable (the stream is text, not framed),
// and its value in the other byte order when that one fits (the wrong --endian).
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <random>

#include "speak/narrator.hpp"
#include "speak/text.hpp"
#include "sticky/bytes.hpp"
#include "sticky/codec.hpp"
#include "speak/command_line.hpp"
#include "sticky/decoder.hpp"

namespace {

using speak::tr;
const char* const kProgram = "frametool";

// Reads stdin in whatever pieces read() returns, calling `chunk` for each. With `hex`, stdin
// is hex digits (whitespace ignored, as `encode --format hex` writes them), decoded first.
template <typename F>
void read_stdin(F&& chunk, bool hex = false) {
  char buffer[65536];
  std::string digits;
  for (;;) {
    ssize_t got = ::read(0, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::runtime_error(tr("read stdin: {}", std::strerror(errno)).english);
    if (got == 0) break;
    if (!hex) {
      chunk(std::string_view(buffer, static_cast<std::size_t>(got)));
      continue;
    }
    for (ssize_t i = 0; i < got; ++i)
      if (!std::isspace(static_cast<unsigned char>(buffer[i]))) digits.push_back(buffer[i]);
  }
  if (!hex) return;
  std::string bytes;
  try {
    bytes = sticky::from_hex(digits);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(tr("--input hex: {}", speak::localized(e.what())).english);  // bad data, not bad usage
  }
  chunk(bytes);
}

// The same error, with what its length field would mean under another codec.
sticky::FrameError explained(const sticky::Codec& codec, const sticky::Decoder& decoder, const sticky::FrameError& e) {
  const auto* length = dynamic_cast<const sticky::LengthCodec*>(&codec);
  std::string message = e.what();
  if (!length || message.find("length") == std::string::npos || e.offset() != decoder.stream_offset()) return e;
  std::string hint = speak::length_hint(length->options(), decoder.pending());
  if (hint.empty()) return e;
  std::string prefix = fmt::format("at byte {}: ", e.offset());
  if (message.starts_with(prefix)) message.erase(0, prefix.size());
  return sticky::FrameError(e.offset(), message + " — " + hint);
}

void write_stdout(std::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
}

// A message the codec cannot frame (too long for the field or the maximum) is bad data: one
// line naming it, exit 1 — the options were fine.
class BadMessage : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

int encode(const sticky::Codec& codec, const std::vector<std::string>& messages, bool as_hex) {
  std::string wire;
  std::size_t number = 0;
  auto emit = [&](std::string_view message) {
    wire.clear();
    ++number;
    try {
      codec.encode(message, wire);
    } catch (const std::invalid_argument& e) {
      std::fflush(stdout);
      throw BadMessage(tr("cannot frame message {}: {}", number, speak::localized(e.what())).english);
    }
    write_stdout(as_hex ? sticky::to_hex(wire) + "\n" : wire);
  };
  if (!messages.empty()) {
    for (const auto& m : messages) emit(m);
    return 0;
  }
  std::string line;
  while (std::getline(std::cin, line)) emit(line);
  return 0;
}

// How decode cuts stdin before feeding the decoder.
class Chunker {
 public:
  Chunker(std::size_t fixed, std::optional<std::string> random_spec) : fixed_(fixed) {
    if (!random_spec) return;
    auto colon = random_spec->find(':');
    try {
      random_.seed(std::stoul(random_spec->substr(0, colon)));
      if (colon != std::string::npos) max_ = std::stoul(random_spec->substr(colon + 1));
    } catch (const std::logic_error&) {
      throw std::invalid_argument(tr("--random-chunks expects SEED[:MAX], e.g. 7 or 7:3").english);
    }
    if (max_ == 0) throw std::invalid_argument(tr("--random-chunks MAX must be at least 1").english);
    is_random_ = true;
  }
  std::size_t next(std::size_t left) {
    std::size_t n = is_random_ ? 1 + random_() % max_ : fixed_ ? fixed_ : left;
    return std::min(n, left);
  }

 private:
  std::size_t fixed_;
  bool is_random_ = false;
  std::mt19937 random_;
  std::size_t max_ = 16;
};

void print_frame(const sticky::Frame& frame, std::uint64_t number, const std::string& format) {
  if (format == "hex") {
    fmt::print("{}\n", sticky::to_hex(frame.payload));
  } else if (format == "json") {
    nlohmann::json j = {{"frame", number},
                        {"offset", frame.offset},
                        {"bytes", frame.payload.size()},
                        {"data", sticky::to_hex(frame.payload)}};
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("{}\n", sticky::printable(frame.payload));
  }
  std::fflush(stdout);
}

int decode(const sticky::Codec& codec, Chunker& chunker, const std::string& format, bool hex) {
  sticky::Decoder decoder(codec);
  try {
    read_stdin(
        [&](std::string_view data) {
          while (!data.empty()) {
            std::size_t n = chunker.next(data.size());
            decoder.feed(data.substr(0, n));
            data.remove_prefix(n);
            while (auto frame = decoder.next()) print_frame(*frame, decoder.frames(), format);
          }
        },
        hex);
  } catch (const sticky::FrameError& e) {
    throw explained(codec, decoder, e);
  }
  decoder.finish();
  return 0;
}

// One annotated line: "  length field  00 00 00 05   = 5".
void annotate(const char* label, std::string_view bytes, const std::string& note = {}) {
  if (bytes.empty() && note.empty()) return;
  std::string shown;
  const std::size_t limit = 16;
  for (std::size_t i = 0; i < std::min(bytes.size(), limit); ++i)
    shown += fmt::format("{:02x} ", static_cast<unsigned char>(bytes[i]));
  if (bytes.size() > limit) shown += fmt::format("… (+{})", sticky::count_bytes(bytes.size() - limit));
  fmt::print("  {} {:<48} {}\n", speak::pad(tr(label).local, 13), shown, note);
}

void inspect_frame(const sticky::Codec& codec, const sticky::Frame& frame, std::uint64_t number) {
  fmt::print("{}\n", tr("frame {} at byte {}: {} on the wire, payload {}", number, frame.offset,
                        speak::byte_count(frame.raw.size()), speak::byte_count(frame.payload.size()))
                         .local);
  std::string text = "\"" + sticky::printable(frame.payload.substr(0, 40)) +
                     (frame.payload.size() > 40 ? "…\"" : "\"");
  if (const auto* length = dynamic_cast<const sticky::LengthCodec*>(&codec)) {
    const auto& o = length->options();
    std::size_t header = length->header_size();
    annotate(speak::N_("before field"), frame.raw.substr(0, o.offset));
    std::string value = fmt::format("= {}", length->read_signed_field(frame.raw));
    if (o.adjust) value += " " + tr("{:+} (adjust) = {}", o.adjust, frame.payload.size()).local;
    annotate(speak::N_("length field"), frame.raw.substr(o.offset, o.width), value);
    if (length->skip() > header) annotate(speak::N_("skipped"), frame.raw.substr(header, length->skip() - header));
    annotate(length->skip() < header ? speak::N_("frame (w/ hdr)") : speak::N_("payload"), frame.payload, text);
  } else {
    annotate(speak::N_("payload"), frame.payload, text);
    std::size_t end = static_cast<std::size_t>(frame.payload.data() - frame.raw.data()) + frame.payload.size();
    if (end < frame.raw.size())
      annotate(dynamic_cast<const sticky::FixedCodec*>(&codec) ? speak::N_("padding") : speak::N_("delimiter"),
               frame.raw.substr(end));
  }
}

int inspect(const sticky::Codec& codec, bool hex) {
  fmt::print("{}\n", tr("codec: {}", codec.describe()).local);
  sticky::Decoder decoder(codec);
  try {
    read_stdin(
        [&](std::string_view data) {
          decoder.feed(data);
          while (auto frame = decoder.next()) inspect_frame(codec, *frame, decoder.frames());
        },
        hex);
  } catch (const sticky::FrameError& e) {
    throw explained(codec, decoder, e);
  }
  if (!decoder.pending().empty()) {
    fmt::print("{}\n", tr("leftover at byte {}: {}", decoder.stream_offset(),
                          speak::byte_count(decoder.pending().size()))
                           .local);
    annotate(speak::N_("incomplete"), decoder.pending());
  }
  auto total = speak::byte_count(decoder.stream_offset() + decoder.pending().size());
  fmt::print("{}\n", decoder.frames() == 1 ? tr("{} frame, {}", decoder.frames(), total).local
                                           : tr("{} frames, {}", decoder.frames(), total).local);
  std::fflush(stdout);
  decoder.finish();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Put messages into frames, take them out again, and look inside.\n"
               "Codec options follow tokio-util's length_delimited: payload length = field + adjust;\n"
               "skip bytes are dropped from the frame start (default: offset + length bytes).\n\n"
               "  frametool encode hello world | frametool decode --chunk 1\n"
               "  frametool encode --python-i hello | frametool inspect --python-i",
               kProgram};
  app.require_subcommand(1);
  app.footer(
      "\nA length-prefixed frame (--codec length):\n"
      "  | --length-offset bytes | length field: --length-bytes | payload ... |\n"
      "  |<------------- --skip (default: offset + length bytes) -->|\n"
      "  payload length = field value + --length-adjust; the frame handed out is the\n"
      "  payload-length bytes after --skip (so --skip 0 keeps the header in the frame).\n"
      "Exit status: 0 ok, 1 bad stream (the error names the byte offset), 2 usage error.");
  sticky::CodecSpec spec;

  std::vector<std::string> messages;
  std::string encode_format;
  auto* enc = app.add_subcommand("encode", "messages (arguments, else stdin lines) -> framed bytes on stdout");
  speak::cli::add_codec_options(*enc, spec);
  enc->add_option("MESSAGE", messages, "messages to frame; without any, one per stdin line");
  enc->add_option("--format", encode_format, "raw bytes, or hex (default: hex on a terminal, raw otherwise)")
      ->check(CLI::IsMember({"raw", "hex"}));

  std::size_t chunk = 0;
  std::optional<std::string> random_chunks;
  std::string format = "text";
  auto* dec = app.add_subcommand("decode", "framed stream on stdin -> one frame a line");
  speak::cli::add_codec_options(*dec, spec);
  auto* chunk_option = dec->add_option("--chunk", chunk, "feed the decoder N bytes at a time")->check(CLI::Range(1, 1 << 30));
  dec->add_option("--random-chunks", random_chunks, "feed it pieces of random size 1..MAX (default 16): SEED[:MAX]")
      ->excludes(chunk_option);
  dec->add_option("--format", format, "text (escaped), hex or json")
      ->check(CLI::IsMember({"text", "hex", "json"}))
      ->capture_default_str();
  std::string input = "raw";
  dec->add_option("--input", input, "stdin as raw bytes, or hex digits (what encode --format hex writes)")
      ->check(CLI::IsMember({"raw", "hex"}))
      ->capture_default_str();

  auto* ins = app.add_subcommand("inspect", "annotated hex dump of a framed stream on stdin");
  speak::cli::add_codec_options(*ins, spec);
  ins->add_option("--input", input, "stdin as raw bytes, or hex digits")
      ->check(CLI::IsMember({"raw", "hex"}))
      ->capture_default_str();

  std::string lang;
  for (auto* sub : {static_cast<CLI::App*>(&app), enc, dec, ins})
    sub->add_option("--lang", lang, "en or zh (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)");
  // What is said before the options are parsed is said in the language asked for too.
  if (!speak::use_language(kProgram, speak::lang_argument(argc, argv))) return 2;
  if (argc > 1 && argv[1][0] != '-') {
    std::string_view command = argv[1];
    if (command != "encode" && command != "decode" && command != "inspect") {
      speak::print_error(kProgram, tr("unknown command '{}' (encode, decode or inspect)", command).english, true);
      return 2;
    }
  }
  if (auto status = speak::cli::parse(app, argc, argv)) return *status;
  if (!speak::use_language(kProgram, lang)) return 2;

  try {
    auto codec = sticky::make_codec(spec);
    if (enc->parsed()) {
      bool as_hex = encode_format.empty() ? ::isatty(1) : encode_format == "hex";
      return encode(*codec, messages, as_hex);
    }
    if (dec->parsed()) {
      Chunker chunker(chunk, random_chunks);
      return decode(*codec, chunker, format, input == "hex");
    }
    return inspect(*codec, input == "hex");
  } catch (const BadMessage& e) {
    speak::print_error(kProgram, e.what());
    return 1;
  } catch (const sticky::FrameError& e) {
    std::fflush(stdout);
    speak::print_error(kProgram, e.what());
    return 1;
  } catch (const std::invalid_argument& e) {
    speak::print_error(kProgram, e.what(), true);
    return 2;
  } catch (const std::exception& e) {
    speak::print_error(kProgram, e.what());
    return 1;
  }
}
