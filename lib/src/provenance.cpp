#include "sticky/provenance.hpp"

#include <algorithm>

namespace sticky {

void Provenance::sent(std::uint64_t msg, std::uint64_t bytes) {
  if (bytes == 0) return;
  if (!messages_.empty() && messages_.back().msg == msg)
    messages_.back().end += bytes;  // a message written in several calls
  else
    messages_.push_back({msg, sent_end_, sent_end_ + bytes});
  sent_end_ += bytes;
}

std::vector<Provenance::Span> Provenance::spans(std::uint64_t offset, std::uint64_t bytes) const {
  std::vector<Span> out;
  std::uint64_t end = offset + bytes;
  auto it = std::upper_bound(messages_.begin(), messages_.end(), offset,
                             [](std::uint64_t at, const Message& m) { return at < m.end; });
  while (offset < end) {
    if (it == messages_.end()) {
      out.push_back({0, offset, end - offset, false, false});  // bytes nobody recorded sending
      break;
    }
    std::uint64_t stop = std::min(end, it->end);
    out.push_back({it->msg, offset, stop - offset, offset == it->begin, stop == it->end});
    offset = stop;
    ++it;
  }
  return out;
}

std::vector<Provenance::Span> Provenance::received(std::uint64_t bytes) {
  auto out = spans(received_, bytes);
  received_ += bytes;
  return out;
}

std::string count_bytes(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

namespace {

std::string end_point(Side side, int conn) { return std::string(to_string(side)) + "#" + std::to_string(conn); }

std::string stream_origin(const std::vector<AttributedCall::Span>& spans) {
  if (spans.size() > 1 && spans.front().msg && spans.back().msg)
    return "messages " + std::to_string(spans.front().msg) + "–" + std::to_string(spans.back().msg);
  if (spans.size() == 1 && spans.front().msg)
    return "message " + std::to_string(spans.front().msg) +
           (spans.front().starts_message && spans.front().ends_message ? "" : " (part)");
  return {};
}

}  // namespace

std::string ProvenanceModel::who(const TraceEvent& e) const {
  if (e.pid) return (e.program.empty() ? std::string("pid") : e.program) + " [" + std::to_string(*e.pid) + "]";
  if (e.side == Side::relay) return e.direction == Direction::up ? "client" : "server";
  std::string name(to_string(e.side));
  int conn = e.conn.value_or(0);
  return conn > 1 ? name + "#" + std::to_string(conn) : name;
}

// One direction of one stream, named by its two ends, so that a send and the recvs that
// read its bytes find the same key — even when they were recorded by different processes.
std::optional<ProvenanceModel::Key> ProvenanceModel::stream_key(const TraceEvent& e, bool is_send) const {
  int conn = e.conn.value_or(0);
  if (e.pid) {
    if (e.datagram) return Key{"datagram", ""};  // matched by content, whoever sent it
    auto it = endpoints_.find({*e.pid, conn});
    if (it == endpoints_.end() || it->second.first.empty() || it->second.second.empty())
      return std::nullopt;  // no connect/accept seen: nothing to join with
    const auto& [local, peer] = it->second;
    return is_send ? Key{local, peer} : Key{peer, local};
  }
  if (e.side == Side::relay) {
    Side from = e.direction == Direction::up ? Side::client : Side::server;
    return Key{end_point(from, conn), end_point(other_side(from), conn)};
  }
  Side from = is_send ? e.side : other_side(e.side);
  return Key{end_point(from, conn), end_point(other_side(from), conn)};
}

std::optional<AttributedCall> ProvenanceModel::add(const TraceEvent& e) {
  std::size_t index = events_++;
  if ((e.op == Op::connect || e.op == Op::accept) && e.pid)
    endpoints_[{*e.pid, e.conn.value_or(0)}] = {e.local, e.peer};
  if ((e.op != Op::send && e.op != Op::recv) || !e.error_name.empty()) return std::nullopt;

  AttributedCall c;
  c.event = index;
  c.side = e.side;
  c.conn = e.conn.value_or(0);
  c.datagram = e.datagram;
  c.truncated = e.truncated;
  c.who = who(e);
  // A relay's read is the sender's bytes arriving at the relay; its write is what the
  // receiver will find. Both are the relay's calls, not the programs'.
  c.via_relay = e.side == Side::relay;
  c.is_send = c.via_relay ? e.op == Op::recv : e.op == Op::send;
  if (c.via_relay && !c.is_send) c.who = e.direction == Direction::up ? "server" : "client";

  std::string want = e.want ? "(" + std::to_string(*e.want) + ")" : "";
  if (c.via_relay) c.label = c.is_send ? "relay read" : "relay wrote";
  else if (!e.function.empty()) c.label = e.function + (c.is_send ? "" : want);
  else if (c.datagram) c.label = c.is_send ? "sendto" : "recvfrom" + want;
  else c.label = c.is_send ? "send" : "recv" + want;

  auto key = stream_key(e, c.is_send);
  std::size_t size = e.data.size();
  if (c.datagram) {
    auto& pending = datagrams_[key.value_or(Key{})];
    std::uint64_t msg = 0;
    if (c.is_send) {
      msg = e.msg ? *e.msg : ++streams_[key.value_or(Key{})].messages;
      pending.push_back({msg, e.data});
      c.origin = "datagram " + std::to_string(msg);
    } else {
      // The first datagram not yet received whose bytes these are (a truncated one: its start).
      auto it = std::find_if(pending.begin(), pending.end(), [&](const PendingDatagram& d) {
        return c.truncated ? d.data.starts_with(e.data) : d.data == e.data;
      });
      if (it != pending.end()) {
        msg = it->msg;
        pending.erase(it);
      }
      c.origin = c.truncated ? "TRUNCATED: the datagram had " + count_bytes(e.full_size.value_or(size)) +
                                   "; the rest is gone"
                 : size == 0 ? "an empty datagram (not end of stream)"
                             : msg ? "datagram " + std::to_string(msg) : "one whole datagram";
    }
    c.spans.push_back({msg, 0, size, true, !c.truncated});
    return c;
  }

  if (c.is_send) {
    std::uint64_t msg = e.msg.value_or(0);
    if (key) {
      auto& stream = streams_[*key];
      if (!e.msg) msg = ++stream.messages;
      stream.bytes.sent(msg, size);
    }
    c.spans.push_back({msg, 0, size, true, true});
    c.origin = msg ? "message " + std::to_string(msg) : "";
    return c;
  }
  if (size == 0 && e.data_left_out == 0) {
    c.end_of_stream = true;
    c.origin = "end of stream: the peer closed";
    return c;
  }
  if (key) {
    auto& stream = streams_[*key];
    std::uint64_t first = stream.bytes.received_bytes();
    for (const auto& s : stream.bytes.received(e.bytes())) {
      std::size_t begin = static_cast<std::size_t>(s.offset - first);
      if (begin >= size) break;  // bytes the trace left out
      c.spans.push_back({s.msg, begin, std::min<std::size_t>(size - begin, s.bytes), s.starts_message, s.ends_message});
    }
  } else {
    c.spans.push_back({0, 0, size, false, false});
  }
  c.origin = stream_origin(c.spans);
  return c;
}

}  // namespace sticky
