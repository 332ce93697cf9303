// Which message did each received byte come from? The sender's send() calls number the
// messages; the receiver's recv() calls cut the same stream elsewhere. Provenance maps one
// onto the other, so a recv can be shown as "the end of message 1 and all of message 2".
//
//   sticky::Provenance p;
//   p.sent(1, 5); p.sent(2, 5); p.sent(3, 4);   // hello, world, egon
//   p.received(14);   // -> {{1,5},{2,5},{3,4}}: three messages stuck together (粘包)
#pragma once

#include <cstdint>
#include <vector>

namespace sticky {

class Provenance {
 public:
  struct Span {
    std::uint64_t msg;   // 0: bytes nobody recorded sending (an untraced peer)
    std::uint64_t offset;  // stream offset of the span's first byte
    std::uint64_t bytes;
    bool starts_message;   // the span begins where its message begins
    bool ends_message;     // the span ends where its message ends (as far as sent so far)
  };

  void sent(std::uint64_t msg, std::uint64_t bytes);
  // The receiver's next `bytes` bytes, cut where messages change.
  std::vector<Span> received(std::uint64_t bytes);
  // The spans of [offset, offset + bytes) without moving the receive position.
  std::vector<Span> spans(std::uint64_t offset, std::uint64_t bytes) const;

  std::uint64_t sent_bytes() const { return sent_end_; }
  std::uint64_t received_bytes() const { return received_; }

 private:
  struct Message {
    std::uint64_t msg, begin, end;
  };
  std::vector<Message> messages_;  // in stream order; a message may grow over several sends
  std::uint64_t sent_end_ = 0;
  std::uint64_t received_ = 0;
};

}  // namespace sticky
