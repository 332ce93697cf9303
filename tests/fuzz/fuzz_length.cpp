// Length-prefix decoder with a configuration drawn from the input: no crash, no frame over
// the maximum, chunking changes nothing, and encode -> any chunking -> decode gives back
// the messages.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Bytes in{std::string_view(reinterpret_cast<const char*>(data), size)};
  sticky::LengthOptions o;
  o.width = 1 + in.take() % 8;
  o.big_endian = in.take() & 1;
  o.is_signed = in.take() & 1;
  o.offset = in.take() % 4;
  o.adjust = static_cast<std::int8_t>(in.take()) % 9;
  if (std::uint8_t s = in.take(); s & 0x80) o.skip = s % 13;
  o.max_frame = static_cast<std::uint64_t>(in.take()) * 16;
  std::uint8_t seed = in.take();
  sticky::LengthCodec codec(o);

  auto result = fuzz::decode(codec, in.rest, 0);
  for (const auto& f : result.frames)
    if (f.size() > o.max_frame) std::abort();
  fuzz::check_chunking(codec, in.rest, seed);

  // Round trip with the header stripped (default skip): cut the rest into messages.
  sticky::LengthOptions plain = o;
  plain.skip.reset();
  plain.adjust = 0;
  sticky::LengthCodec round(plain);
  std::vector<std::string> messages;
  std::string wire;
  std::string_view rest = in.rest;
  while (!rest.empty()) {
    std::size_t n = std::min<std::size_t>(rest.size(), static_cast<unsigned char>(rest.front()) % 40);
    std::string message(rest.substr(0, n));
    rest.remove_prefix(std::max<std::size_t>(n, 1));
    try {
      round.encode(message, wire);
      messages.push_back(message);
    } catch (const std::invalid_argument&) {  // too long for this width or maximum: refused, fine
    }
  }
  auto decoded = fuzz::decode(round, wire, seed);
  if (decoded.failed || decoded.frames != messages) std::abort();
  return 0;
}
