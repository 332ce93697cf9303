// Fixed-size decoder: frames are always exactly the size, chunking changes nothing, and an
// unfinished frame at the end is an error at its offset.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Bytes in{std::string_view(reinterpret_cast<const char*>(data), size)};
  std::size_t frame = 1 + in.take() % 32;
  std::uint8_t seed = in.take();
  sticky::FixedCodec codec(frame);
  auto result = fuzz::decode(codec, in.rest, 0);
  for (const auto& f : result.frames)
    if (f.size() != frame) std::abort();
  if (result.failed != (in.rest.size() % frame != 0)) std::abort();
  if (result.failed && result.error_offset != in.rest.size() / frame * frame) std::abort();
  fuzz::check_chunking(codec, in.rest, seed);
  return 0;
}
