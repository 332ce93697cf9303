// Shared by the fuzz targets: decode a stream in chunks the input itself chooses, and
// check the properties every decoder must keep whatever the bytes.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sticky/codec.hpp"
#include "sticky/decoder.hpp"

namespace fuzz {

// Reads small numbers from the front of the input.
struct Bytes {
  std::string_view rest;
  std::uint8_t take() {
    if (rest.empty()) return 0;
    auto b = static_cast<std::uint8_t>(rest.front());
    rest.remove_prefix(1);
    return b;
  }
};

struct Outcome {
  std::vector<std::string> frames;
  bool failed = false;
  std::uint64_t error_offset = 0;
};

inline Outcome decode(const sticky::Codec& codec, std::string_view stream, std::uint8_t chunk_seed) {
  Outcome out;
  sticky::Decoder decoder(codec);
  std::uint32_t x = chunk_seed * 2654435761u + 1;
  std::size_t at = 0;
  try {
    while (at < stream.size()) {
      std::size_t n = chunk_seed == 0 ? stream.size() : 1 + (x = x * 1103515245u + 12345u) % 17;
      n = std::min(n, stream.size() - at);
      decoder.feed(stream.substr(at, n));
      at += n;
      while (auto f = decoder.next()) out.frames.emplace_back(f->payload);
    }
    decoder.finish();
  } catch (const sticky::FrameError& e) {
    out.failed = true;
    out.error_offset = e.offset();
  }
  return out;
}

// However the stream is cut, the frames and the error (and its offset) are the same.
inline void check_chunking(const sticky::Codec& codec, std::string_view stream, std::uint8_t seed) {
  Outcome whole = decode(codec, stream, 0);
  Outcome pieces = decode(codec, stream, static_cast<std::uint8_t>(seed | 1));
  if (whole.frames != pieces.frames || whole.failed != pieces.failed || whole.error_offset != pieces.error_offset)
    std::abort();
}

}  // namespace fuzz
