#include "learn/conversation.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "learn/net.hpp"
#include "sticky/error.hpp"
#include "sticky/io.hpp"

namespace learn {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// One connection to the program and what it has sent that is not an answer yet.
struct Line {
  sticky::Fd fd;
  std::string buffer;
  std::uint64_t offset = 0;  // stream offset of buffer[0]
  bool ended = false;        // the program closed or reset it
};

// Waits up to `wait` for bytes; false when none came (or it ended).
bool read_more(Line& line, Millis wait) {
  auto deadline = Clock::now() + wait;
  while (!line.ended) {
    if (interrupted()) throw Interrupted();
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{line.fd.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 50)));
    if (ready <= 0) continue;
    char buffer[65536];
    ssize_t got = ::recv(line.fd.get(), buffer, sizeof buffer, 0);
    if (got > 0) {
      line.buffer.append(buffer, static_cast<std::size_t>(got));
      return true;
    }
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    line.ended = true;  // 0: closed; ECONNRESET and the like: reset
  }
  return false;
}

// The next answer on `line`, read whole.
Outcome read_answer(Line& line, const sticky::Codec& codec, Millis timeout, Clock::time_point sent) {
  Outcome o;
  std::size_t scanned = 0;
  for (;;) {
    try {
      if (auto bounds = codec.find_frame(line.buffer, line.offset, scanned)) {
        o.kind = Outcome::Kind::answer;
        o.answer = line.buffer.substr(bounds->payload_begin, bounds->payload_size);
        line.buffer.erase(0, bounds->size);
        line.offset += bounds->size;
        o.ms = ms_since(sent);
        return o;
      }
    } catch (const sticky::FrameError& e) {
      // A header nobody can mean: wait a moment for what follows, which may tell why (the
      // length in the other byte order, or text where a header should be).
      read_more(line, Millis(100));
      o.kind = Outcome::Kind::bad_frame;
      o.pending = line.buffer;
      o.detail = e.what();
      return o;
    }
    if (line.ended) {
      o.kind = Outcome::Kind::closed;
      o.pending = line.buffer;
      return o;
    }
    if (!read_more(line, timeout) && !line.ended) {
      o.kind = Outcome::Kind::no_answer;
      o.pending = line.buffer;
      return o;
    }
  }
}

Line open_line(const sticky::Address& server, Outcome& failure) {
  Line line;
  try {
    line.fd = sticky::connect_stream(server, Millis(2000));
    sticky::set_nodelay(line.fd.get(), true);
  } catch (const std::exception& e) {
    failure.kind = Outcome::Kind::cannot_connect;
    failure.detail = e.what();
  }
  return line;
}

void send_bytes(Line& line, std::string_view bytes) {
  try {
    sticky::send_all(line.fd.get(), bytes, Millis(2000));
  } catch (const std::exception&) {
    line.ended = true;  // the program closed it; what it said before is still in the buffer
  }
}

// Until the program has read everything sent on `line` (its receive queue is empty), at most
// `cap`: the next piece then meets its next recv() alone.
void wait_read(const Line& line, std::uint16_t server_port, Millis cap) {
  auto deadline = Clock::now() + cap;
  std::uint16_t mine = sticky::local_address(line.fd.get()).port();
  while (Clock::now() < deadline) {
    if (interrupted()) throw Interrupted();
    bool delivered = sticky::bytes_unsent(line.fd.get()) == 0;
    auto unread = unread_bytes(server_port, mine);
    if (!unread) {  // cannot be watched here: a pace instead
      ::usleep(3000);
      return;
    }
    if (delivered && *unread == 0) return;
    ::usleep(500);
  }
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces_of(const Cuts& cuts, std::uint64_t total) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  std::uint64_t at = 0;
  for (auto c : cuts) {
    if (c <= at || c >= total) continue;
    out.emplace_back(at, c);
    at = c;
  }
  if (at < total || total == 0) out.emplace_back(at, total);
  return out;
}

Talk talk_datagrams(const sticky::Address& server, const Conversation& c, const TalkOptions& options) {
  Talk t;
  sticky::Fd fd = sticky::connect_datagram(server);
  t.local_ports[1] = sticky::local_address(fd.get()).port();
  for (std::size_t i = 0; i < c.acts.size(); ++i) {
    Outcome o;
    auto sent = Clock::now();
    try {
      sticky::send_datagram(fd.get(), c.acts[i].payload);
      // One datagram back; a refused port (ICMP) says the program is gone.
      auto deadline = sent + options.answer_timeout;
      for (;;) {
        if (interrupted()) throw Interrupted();
        auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
        if (left <= 0) {
          o.kind = Outcome::Kind::no_answer;
          break;
        }
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::min<long long>(left, 50))) <= 0) continue;
        auto d = sticky::recv_datagram(fd.get(), 65536, Millis(0));
        o.kind = Outcome::Kind::answer;
        o.answer = d.data;
        o.ms = ms_since(sent);
        break;
      }
    } catch (const Interrupted&) {
      throw;
    } catch (const std::exception& e) {
      o.kind = Outcome::Kind::closed;
      o.detail = e.what();
    }
    t.outcomes.push_back(o);
    if (options.expected && i < options.expected->size() && !same(o, (*options.expected)[i])) break;
  }
  return t;
}

}  // namespace

bool same(const Outcome& got, const Outcome& expected) {
  if (got.kind != expected.kind) return false;
  return got.kind != Outcome::Kind::answer || got.answer == expected.answer;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> frame_places(const Conversation& c, const sticky::Codec& codec) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  std::uint64_t at = 0;
  for (const auto& act : c.acts) {
    if (act.conn != 1 || act.kind != Act::Kind::message) continue;
    std::uint64_t size = codec.encode(act.payload).size();
    out.emplace_back(at, at + size);
    at += size;
  }
  return out;
}

Talk talk(const sticky::Address& server, const Conversation& c, const sticky::Codec& codec, const TalkOptions& options) {
  if (c.udp) return talk_datagrams(server, c, options);
  Talk t;
  auto differs = [&](std::size_t i) {
    return options.expected && i < options.expected->size() && !same(t.outcomes[i], (*options.expected)[i]);
  };
  Line idle;
  if (c.idle_client) {
    Outcome failure;
    idle = open_line(server, failure);
    if (idle.fd) t.idle_port = sticky::local_address(idle.fd.get()).port();
  }
  // If an answer does not come while the silent client is connected, does it come once it
  // has gone? Then the program serves one client at a time.
  auto after_idle_leaves = [&](Line& line, Outcome& o) {
    if (!idle.fd || o.kind != Outcome::Kind::no_answer) return;
    idle.fd.reset();
    auto again = read_answer(line, codec, Millis(1000), Clock::now());
    if (again.kind == Outcome::Kind::answer) o.idle_blocked = true;
  };

  std::size_t i = 0;
  while (i < c.acts.size()) {
    int conn = c.acts[i].conn;
    std::size_t end = i;
    while (end < c.acts.size() && c.acts[end].conn == conn) ++end;
    Outcome failure;
    Line line = open_line(server, failure);
    if (!line.fd) {
      for (std::size_t k = i; k < end; ++k) t.outcomes.push_back(failure);
      break;
    }
    t.local_ports[conn] = sticky::local_address(line.fd.get()).port();

    if (c.acts[i].kind == Act::Kind::hostile) {
      send_bytes(line, c.acts[i].payload);
      Outcome o;
      auto deadline = Clock::now() + options.refuse_timeout;
      while (!line.ended && Clock::now() < deadline) read_more(line, Millis(50));
      o.kind = line.ended ? Outcome::Kind::refused : Outcome::Kind::not_refused;
      o.pending = line.buffer;
      t.outcomes.push_back(o);
      if (differs(t.outcomes.size() - 1)) return t;
      i = end;
      continue;
    }

    // Messages: their frames laid end to end, sent in pieces (one per message unless cut).
    std::vector<std::string> frames;
    std::string stream;
    std::vector<std::uint64_t> frame_end;
    for (std::size_t k = i; k < end; ++k) {
      frames.push_back(codec.encode(c.acts[k].payload));
      stream += frames.back();
      frame_end.push_back(stream.size());
    }
    Cuts cuts;
    if (conn == 1 && options.cuts) cuts = *options.cuts;
    else cuts.assign(frame_end.begin(), frame_end.end());
    auto pieces = pieces_of(cuts, stream.size());
    std::size_t next = 0;  // the next message whose answer is due
    bool stop = false;
    for (std::size_t p = 0; p < pieces.size() && !stop; ++p) {
      auto [b, e] = pieces[p];
      send_bytes(line, std::string_view(stream).substr(b, e - b));
      auto sent = Clock::now();
      if (p + 1 < pieces.size()) wait_read(line, server.port(), Millis(200));
      while (next < frames.size() && frame_end[next] <= e) {
        Outcome o = read_answer(line, codec, options.answer_timeout, sent);
        after_idle_leaves(line, o);
        t.outcomes.push_back(o);
        ++next;
        if (differs(t.outcomes.size() - 1) || o.kind != Outcome::Kind::answer) {
          stop = true;
          break;
        }
      }
    }
    if (stop) {
      if (options.expected) return t;
      while (t.outcomes.size() < end) t.outcomes.push_back(t.outcomes.back());
    }
    i = end;
  }
  return t;
}

}  // namespace learn
