// The incremental decoder: feed it chunks exactly as recv() returned them, take out whole
// frames. However the stream was cut — one byte at a time, three frames at once, a frame
// split across recvs (半包) or several stuck together (粘包) — the frames are the same.
//
//   sticky::LengthCodec codec;
//   sticky::Decoder decoder(codec);
//   for (;;) {
//     std::string chunk = sticky::recv_some(fd, 4096);
//     if (chunk.empty()) { decoder.finish(); break; }  // throws if a frame was cut short
//     decoder.feed(chunk);
//     while (auto frame = decoder.next()) handle(frame->payload);
//   }
//
// Frames are views into the decoder's buffer, valid until the next feed(). Once the buffer
// has grown to the largest frame, decoding allocates nothing.
//
// consume() does feed() and next() at once and copies less: a frame that lies whole inside
// the chunk is handed out where it lies (as tokio hands out a view of its buffer); only the
// bytes of a frame that spans chunks are copied.
//
//   decoder.consume(chunk, [&](const sticky::Frame& frame) { handle(frame.payload); });
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sticky/codec.hpp"

namespace sticky {

struct Frame {
  std::uint64_t offset;      // stream offset of the frame's first byte
  std::string_view raw;      // every byte the frame took from the stream
  std::string_view payload;  // the message
};

class Decoder {
 public:
  explicit Decoder(const Codec& codec) : codec_(&codec) {}  // `codec` must outlive the decoder

  void feed(std::string_view bytes);
  // The next complete frame, or nullopt until more bytes are fed. Throws FrameError.
  std::optional<Frame> next();
  // feed(chunk), then every frame it completes to `on_frame(const Frame&)`, the frame valid
  // during that call. Throws FrameError as next() does.
  template <typename OnFrame>
  void consume(std::string_view chunk, OnFrame&& on_frame);
  // At end of stream: throws FrameError if bytes of an unfinished frame are buffered.
  void finish() const;

  std::uint64_t frames() const noexcept { return frames_; }
  std::uint64_t stream_offset() const noexcept { return consumed_; }  // next frame starts here
  std::string_view pending() const noexcept {                         // bytes of that frame
    return std::string_view(buffer_).substr(head_);
  }

 private:
  const Codec* codec_;
  std::string buffer_;
  std::size_t head_ = 0;        // buffer_[0, head_) was handed out already
  std::size_t scanned_ = 0;     // see Codec::find_frame
  std::uint64_t consumed_ = 0;  // stream offset of buffer_[head_]
  std::uint64_t frames_ = 0;
};

template <typename OnFrame>
void Decoder::consume(std::string_view chunk, OnFrame&& on_frame) {
  while (auto frame = next()) on_frame(*frame);  // frames fed before and not yet taken
  // An unfinished frame is buffered: complete it from the chunk, appending in doubling steps
  // so that little more than its own bytes is copied; what was appended past its end is
  // dropped again and read in place below.
  for (std::size_t step = 64; head_ < buffer_.size() && !chunk.empty(); step *= 2) {
    std::size_t before = buffer_.size() - head_, n = std::min(step, chunk.size());
    buffer_.append(chunk.substr(0, n));
    auto frame = next();
    if (!frame) {
      chunk.remove_prefix(n);
      continue;
    }
    std::size_t used = frame->raw.size() > before ? frame->raw.size() - before : 0;
    on_frame(*frame);
    buffer_.resize(head_);  // the bytes past the frame's end: read from the chunk instead
    chunk.remove_prefix(used);
  }
  if (head_ == buffer_.size()) {
    buffer_.clear();
    head_ = 0;
  }
  while (!chunk.empty() && buffer_.empty()) {
    auto bounds = codec_->find_frame(chunk, consumed_, scanned_);
    if (!bounds) {
      buffer_.append(chunk);  // the start of a frame the next chunk finishes
      return;
    }
    Frame frame{consumed_, chunk.substr(0, bounds->size), chunk.substr(bounds->payload_begin, bounds->payload_size)};
    consumed_ += bounds->size;
    scanned_ = 0;
    ++frames_;
    chunk.remove_prefix(bounds->size);
    on_frame(frame);
  }
  if (!chunk.empty()) feed(chunk);
}

}  // namespace sticky
