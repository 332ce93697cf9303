#include "sticky/decoder.hpp"

namespace sticky {

void Decoder::feed(std::string_view bytes) {
  if (head_ == buffer_.size()) {
    buffer_.clear();  // keeps the capacity: no allocation once warm
    head_ = 0;
  } else if (head_ > 0) {
    // Only the unfinished frame is moved, once per frame handed out.
    buffer_.erase(0, head_);
    head_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<Frame> Decoder::next() {
  std::string_view pending = this->pending();
  auto bounds = codec_->find_frame(pending, consumed_, scanned_);
  if (!bounds) return std::nullopt;
  Frame frame{consumed_, pending.substr(0, bounds->size),
              pending.substr(bounds->payload_begin, bounds->payload_size)};
  head_ += bounds->size;
  consumed_ += bounds->size;
  scanned_ = 0;
  ++frames_;
  return frame;
}

void Decoder::finish() const {
  if (head_ < buffer_.size()) throw FrameError(consumed_, codec_->describe_incomplete(pending()));
}

}  // namespace sticky
