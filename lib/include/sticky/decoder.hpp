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
#pragma once

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

}  // namespace sticky
