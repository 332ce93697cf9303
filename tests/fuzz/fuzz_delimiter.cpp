// Line and delimiter decoders: no crash, no frame over the maximum, chunking changes
// nothing, and encode -> decode gives back every message that could be framed.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Bytes in{std::string_view(reinterpret_cast<const char*>(data), size)};
  bool lines = in.take() & 1;
  std::size_t delimiter_size = 1 + in.take() % 4;
  std::string delimiter;
  for (std::size_t i = 0; i < delimiter_size; ++i) delimiter.push_back(static_cast<char>(in.take() % 4 + 'a' - 1));
  std::size_t max = in.take();
  std::uint8_t seed = in.take();
  sticky::DelimiterCodec codec = lines ? sticky::DelimiterCodec::lines(max) : sticky::DelimiterCodec(delimiter, max);

  auto result = fuzz::decode(codec, in.rest, 0);
  for (const auto& f : result.frames)
    if (f.size() > max) std::abort();
  fuzz::check_chunking(codec, in.rest, seed);

  std::vector<std::string> messages;
  std::string wire;
  std::string_view rest = in.rest;
  while (!rest.empty()) {
    std::size_t n = std::min<std::size_t>(rest.size(), static_cast<unsigned char>(rest.front()) % 20);
    std::string message(rest.substr(0, n));
    rest.remove_prefix(std::max<std::size_t>(n, 1));
    // A line codec drops a "\r" before "\n": such a message would not come back as sent.
    if (lines && !message.empty() && message.back() == '\r') continue;
    try {
      codec.encode(message, wire);
      messages.push_back(message);
    } catch (const std::invalid_argument&) {
    }
  }
  auto decoded = fuzz::decode(codec, wire, seed);
  if (decoded.failed || decoded.frames != messages) std::abort();
  return 0;
}
