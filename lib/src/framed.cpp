#include "sticky/framed.hpp"

#include "sticky/io.hpp"

namespace sticky {

FramedConnection::FramedConnection(int fd, const Codec& codec, std::size_t read_size)
    : FramedConnection(Io{[fd](char* buffer, std::size_t max) { return recv_some(fd, buffer, max); },
                          [fd](std::string_view bytes) { send_all(fd, bytes); }},
                       codec, read_size) {}

FramedConnection::FramedConnection(Io io, const Codec& codec, std::size_t read_size)
    : io_(std::move(io)), codec_(&codec), decoder_(codec), chunk_(read_size ? read_size : 1, '\0') {}

std::optional<std::string> FramedConnection::read_frame() {
  if (error_) throw *error_;
  try {
    for (;;) {
      if (auto frame = decoder_.next()) return std::string(frame->payload);
      std::size_t got = io_.recv(chunk_.data(), chunk_.size());
      if (got == 0) {
        decoder_.finish();  // throws when the stream ended inside a frame
        return std::nullopt;
      }
      bytes_read_ += got;
      decoder_.feed(std::string_view(chunk_.data(), got));
    }
  } catch (const FrameError& e) {
    error_ = e;
    throw;
  }
}

void FramedConnection::write_frame(std::string_view payload) {
  std::string wire;
  codec_->encode(payload, wire);  // header and body in one buffer: one send, no Nagle stall
  io_.send(wire);
}

}  // namespace sticky
