// Which message did each received byte come from? The sender's send() calls number the
// messages; the receiver's recv() calls cut the same stream elsewhere. Provenance maps one
// onto the other, so a recv can be shown as "the end of message 1 and all of message 2".
//
//   sticky::Provenance p;                         // one direction of one stream
//   p.sent(1, 5); p.sent(2, 5); p.sent(3, 4);     // hello, world, egon
//   p.received(14);   // -> spans of messages 1, 2, 3: stuck together (粘包)
//
// ProvenanceModel does it for a whole trace — every connection and direction, datagrams
// (each its own message, matched to the send that made it), a relay's two legs, and traces
// of several processes joined by their addresses — and names what each call means, so the
// narration, the viewer and the pictures all say the same thing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sticky/trace.hpp"

namespace sticky {

class Provenance {
 public:
  struct Span {
    std::uint64_t msg;     // 0: bytes nobody recorded sending (an untraced peer)
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

// One send or recv of a trace, with the message each of its bytes came from.
struct AttributedCall {
  struct Span {
    std::uint64_t msg;   // 0: nobody recorded sending these bytes
    std::size_t begin;   // into the event's data
    std::size_t size;
    bool starts_message;
    bool ends_message;
  };
  std::size_t event = 0;      // the event's index, counting every event given to add()
  Side side = Side::none;
  std::string who;            // "client", "server#2", "client.py [1234]" (a traced script)
  int conn = 0;
  bool is_send = false;
  bool datagram = false;
  bool truncated = false;
  bool end_of_stream = false; // a stream's 0-byte read: the peer closed (never a datagram's)
  bool via_relay = false;     // seen by a relay, not by the program itself
  std::string label;          // "send", "recv(1024)", "sendto", "recvfrom(1024)", "relay read"
  std::string origin;         // "message 2", "messages 1–3", "message 1 (part)", "an empty datagram …"
  std::vector<Span> spans;
};

class ProvenanceModel {
 public:
  // Every event of a trace, in order. Returns the call it is, or nullopt for an event that
  // moves no bytes between peers (notes, frames, results, connects).
  std::optional<AttributedCall> add(const TraceEvent& event);

 private:
  struct StreamState {
    Provenance bytes;
    std::uint64_t messages = 0;  // sends counted, for traces that do not number them
  };
  struct PendingDatagram {
    std::uint64_t msg;
    std::string data;
  };
  using Key = std::pair<std::string, std::string>;  // (from, to): one direction of a stream

  std::optional<Key> stream_key(const TraceEvent& e, bool is_send) const;
  std::string who(const TraceEvent& e) const;

  std::size_t events_ = 0;
  std::map<Key, StreamState> streams_;
  std::map<Key, std::vector<PendingDatagram>> datagrams_;
  std::map<std::pair<long, int>, std::pair<std::string, std::string>> endpoints_;  // (pid, conn) -> (local, peer)
};

// "1 byte", "14 bytes".
std::string count_bytes(std::uint64_t n);

}  // namespace sticky
