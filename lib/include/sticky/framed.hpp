// A connection that speaks in messages: bytes in from recv(), whole frames out; a message
// out as header and body in one write. What muduo's LengthHeaderCodec is to a TcpConnection.
//
//   sticky::LengthCodec codec;
//   sticky::FramedConnection conn(fd, codec);
//   conn.write_frame("seq 400");                  // one send() carries header and body
//   while (auto answer = conn.read_frame()) ...   // nullopt: the peer closed between frames
//
// Each recv() reads what is waiting (up to read_size bytes) into one buffer, and every whole
// frame in it is handed out before the next recv(): three frames in one recv (粘包) are three
// read_frame() calls and no more system calls; a frame cut across recvs (半包) waits.
//
// After a FrameError (a length over the maximum, a negative one, the stream ending inside a
// frame) the connection is broken: every later read_frame() throws the same error. The bytes
// after a bad header cannot be trusted to start a frame, so close the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sticky/codec.hpp"
#include "sticky/decoder.hpp"

namespace sticky {

class FramedConnection {
 public:
  // How bytes move. The default is the socket itself; a demo passes calls that it records.
  struct Io {
    std::function<std::size_t(char* buffer, std::size_t max)> recv;  // one recv(); 0: end of stream
    std::function<void(std::string_view bytes)> send;                // every byte, in one call
  };

  FramedConnection(int fd, const Codec& codec, std::size_t read_size = 64u << 10);
  FramedConnection(Io io, const Codec& codec, std::size_t read_size = 64u << 10);

  std::optional<std::string> read_frame();
  void write_frame(std::string_view payload);

  const Codec& codec() const noexcept { return *codec_; }
  std::uint64_t frames_read() const noexcept { return decoder_.frames(); }
  std::uint64_t bytes_read() const noexcept { return bytes_read_; }
  bool broken() const noexcept { return error_.has_value(); }

 private:
  Io io_;
  const Codec* codec_;
  Decoder decoder_;
  std::string chunk_;
  std::uint64_t bytes_read_ = 0;
  std::optional<FrameError> error_;
};

}  // namespace sticky
