#include "sticky/relay.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <list>
#include <random>
#include <unordered_map>

#include "sticky/error.hpp"
#include "sticky/io.hpp"
#include "sticky/peer_reads.hpp"
#include "sticky/trace.hpp"
#include "sticky/wait.hpp"

namespace sticky {

std::string Shaping::describe() const {
  std::string text;
  auto add = [&](std::string part) { text += (text.empty() ? "" : " ") + part; };
  if (split) add(fmt::format("split={}", split));
  if (random_seed) add(fmt::format("random-split={}:{}", *random_seed, random_max));
  if (!cuts.empty()) add(fmt::format("cuts={}", fmt::join(cuts, ",")));
  if (split || random_seed || !cuts.empty()) add(fmt::format("pace={}us", pace.count()));
  if (await_reads.count()) add(fmt::format("await-reads={}ms", await_reads.count()));
  if (delay.count()) add(fmt::format("delay={}ms", delay.count()));
  if (coalesce.count()) add(fmt::format("coalesce={}ms", coalesce.count()));
  return text.empty() ? "pass-through" : text;
}

namespace {

std::uint64_t parse_number(std::string_view text, std::string_view option) {
  std::uint64_t value = 0;
  if (text.empty() || text.size() > 9) value = ~std::uint64_t{0};
  for (char c : text) {
    if (c < '0' || c > '9') {
      value = ~std::uint64_t{0};
      break;
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value == ~std::uint64_t{0})
    throw std::invalid_argument(fmt::format("--{}: '{}' is not a number from 0 to 999999999", option, text));
  return value;
}

// "2,6" -> {2, 6}; "none" or "" -> {}. Sorted, without repeats.
std::vector<std::uint64_t> parse_cuts(std::string_view text) {
  std::vector<std::uint64_t> cuts;
  if (text == "none") return cuts;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::uint64_t cut = parse_number(text.substr(0, comma), "cuts");
    if (cut == 0) throw std::invalid_argument("--cuts: 0 is not a cut; N cuts after byte N, N >= 1");
    cuts.push_back(cut);
    if (comma == text.npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) throw std::invalid_argument("--cuts: a comma with no offset after it");
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

}  // namespace

void apply_shaping(RelayOptions& options, std::string_view option, std::string_view value) {
  std::vector<Shaping*> legs{&options.to_server, &options.to_client};
  if (value.starts_with("up:")) {
    legs = {&options.to_server};
    value.remove_prefix(3);
  } else if (value.starts_with("down:")) {
    legs = {&options.to_client};
    value.remove_prefix(5);
  }
  // No seed (or "random"): pick one, the same for every leg the value names; the caller
  // prints it (relay: "seed N") so the run can be replayed.
  std::optional<std::uint32_t> chosen_seed;
  if (option == "random-split") {
    auto seed = value.substr(0, value.find(':'));
    if (seed.empty() || seed == "random") chosen_seed = static_cast<std::uint32_t>(std::random_device{}() % 1000000000u);
  }
  for (Shaping* s : legs) {
    if (option == "split") {
      s->split = parse_number(value, option);
    } else if (option == "random-split") {
      auto colon = value.find(':');
      s->random_seed = chosen_seed ? *chosen_seed
                                   : static_cast<std::uint32_t>(parse_number(value.substr(0, colon), option));
      if (colon != value.npos) s->random_max = parse_number(value.substr(colon + 1), option);
      if (s->random_max == 0) throw std::invalid_argument("--random-split: MAX must be at least 1");
    } else if (option == "pace") {
      s->pace = std::chrono::microseconds(parse_number(value, option));
    } else if (option == "delay") {
      s->delay = Millis(parse_number(value, option));
    } else if (option == "coalesce") {
      s->coalesce = Millis(parse_number(value, option));
    } else if (option == "cuts") {
      s->cuts = parse_cuts(value);
    } else if (option == "await-reads") {
      s->await_reads = Millis(parse_number(value, option));
    } else {
      throw std::invalid_argument(fmt::format("unknown shaping option --{}", option));
    }
  }
}

namespace {

constexpr std::size_t kMaxQueued = 1 << 20;  // stop reading a side whose bytes are not going out

struct Piece {
  Clock::time_point due;
  std::string bytes;
};

// One direction of one connection.
struct Leg {
  const char* name;  // "up" or "down"
  int from = -1, to = -1;
  Shaping shaping;
  std::mt19937 random;
  std::deque<Piece> queue;
  std::size_t queued = 0;
  std::string held;                             // coalescing
  std::optional<Clock::time_point> hold_until;
  Clock::time_point last_due{};
  std::uint64_t offset = 0;                     // stream offset of the next byte enqueued
  std::size_t next_cut = 0;                     // index of the first cut after `offset`
  bool read_eof = false;
  bool shut = false;
  bool blocked = false;                         // the last write hit a full send buffer
  std::optional<PeerReads> reader;              // await_reads: the receiver's unread bytes
  std::size_t pieces_sent = 0;
  Clock::time_point last_sent{};
  std::optional<Clock::time_point> recheck;     // await_reads: look again then

  // Whether the receiver has read what went before (or waited long enough for it).
  bool reader_caught_up(Clock::time_point now) {
    recheck.reset();
    if (!shaping.await_reads.count() || pieces_sent == 0) return true;
    if (!reader) reader.emplace(to);
    if (!reader->usable() || now - last_sent >= shaping.await_reads) return true;
    auto unread = reader->unread();
    if (!unread || (*unread == 0 && reader->unsent() == 0)) return true;
    recheck = now + std::chrono::microseconds(200);
    return false;
  }

  std::size_t next_piece(std::size_t left) {
    std::size_t n = left;
    if (shaping.random_seed) n = 1 + random() % std::max<std::size_t>(1, shaping.random_max);
    else if (shaping.split) n = shaping.split;
    while (next_cut < shaping.cuts.size() && shaping.cuts[next_cut] <= offset) ++next_cut;
    if (next_cut < shaping.cuts.size()) n = std::min<std::uint64_t>(n, shaping.cuts[next_cut] - offset);
    return std::min(n, left);
  }

  void enqueue(std::string_view bytes, Clock::time_point arrival) {
    bool pieces = shaping.split || shaping.random_seed || !shaping.cuts.empty();
    Clock::time_point base = arrival + shaping.delay;
    while (!bytes.empty()) {
      std::size_t n = next_piece(bytes.size());
      // Pieces leave `pace` apart so the receiver, blocked in recv(), reads each alone.
      Clock::time_point due = std::max(base, pieces ? last_due + shaping.pace : last_due);
      queue.push_back({due, std::string(bytes.substr(0, n))});
      queued += n;
      last_due = due;
      offset += n;
      bytes.remove_prefix(n);
    }
  }

  bool finished() const { return shut; }
};

Leg make_leg(const char* name, const Shaping& shaping, int from, int to) {
  Leg leg;
  leg.name = name;
  leg.shaping = shaping;
  leg.random.seed(shaping.random_seed.value_or(0));
  leg.from = from;
  leg.to = to;
  return leg;
}

struct Connection {
  int id = 0;
  Fd client, server;
  Leg up, down;
  bool broken = false;
};

// Nagle exists only on TCP; TCP_NODELAY on a Unix socket fails with EOPNOTSUPP.
bool is_tcp(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  return ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
}

}  // namespace

struct Relay::Impl {
  RelayOptions options;
  Fd listener;
  Waker wake;  // stop() wakes the loop at once
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> accepted{0};
  std::list<Connection> connections;
  std::unordered_map<int, std::pair<Connection*, Leg*>> reader_of;  // fd -> the leg that reads it

  void record(const Connection& c, const Leg& leg, Op op, std::string_view bytes) {
    if (!options.trace) return;
    TraceEvent e;
    e.side = Side::relay;
    e.conn = c.id;
    e.op = op;
    e.data = std::string(bytes);
    e.direction = leg.name == std::string_view("up") ? Direction::up : Direction::down;
    options.trace->record(std::move(e));
  }

  void note(std::optional<int> conn, std::string text) {
    if (!options.trace) return;
    TraceEvent e;
    e.side = Side::relay;
    e.conn = conn;
    e.op = Op::note;
    e.text = std::move(text);
    options.trace->record(std::move(e));
  }

  void accept_one() {
    Address peer;
    Fd client;
    try {
      client = accept_connection(listener.get(), &peer);
    } catch (const SystemError&) {
      return;  // the client gave up before we got to it
    }
    int id = static_cast<int>(++accepted);
    Fd server;
    try {
      server = connect_stream(options.target, Millis(5000));
    } catch (const std::exception& error) {
      note(id, fmt::format("cannot reach {}: {}", options.target.to_string(), error.what()));
      return;  // closing the client tells it
    }
    for (int fd : {client.get(), server.get()}) {
      if (is_tcp(fd)) set_nodelay(fd, true);
      set_nonblocking(fd, true);
    }
    note(id, fmt::format("connection {} from {} to {}", id, peer.to_string(), options.target.to_string()));
    Connection& c = connections.emplace_back();
    c.id = id;
    c.up = make_leg("up", options.to_server, client.get(), server.get());
    c.down = make_leg("down", options.to_client, server.get(), client.get());
    c.client = std::move(client);
    c.server = std::move(server);
    reader_of[c.up.from] = {&c, &c.up};
    reader_of[c.down.from] = {&c, &c.down};
  }

  void read_leg(Connection& c, Leg& leg, Clock::time_point now) {
    char buffer[65536];
    ssize_t got = ::recv(leg.from, buffer, sizeof buffer, 0);
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      note(c.id, fmt::format("{} side failed: {}", leg.name == std::string("up") ? "client" : "server",
                             std::strerror(errno)));
      c.broken = true;
      return;
    }
    if (got == 0) {
      leg.read_eof = true;
      return;
    }
    std::string_view bytes(buffer, static_cast<std::size_t>(got));
    record(c, leg, Op::recv, bytes);
    if (leg.shaping.coalesce.count()) {
      leg.held.append(bytes);
      if (!leg.hold_until) leg.hold_until = now + leg.shaping.coalesce;
    } else {
      leg.enqueue(bytes, now);
    }
  }

  void write_leg(Connection& c, Leg& leg, Clock::time_point now) {
    if (leg.hold_until && *leg.hold_until <= now) {
      leg.enqueue(leg.held, *leg.hold_until);
      leg.held.clear();
      leg.hold_until.reset();
    }
    leg.blocked = false;
    while (!leg.queue.empty() && leg.queue.front().due <= now) {
      if (!leg.reader_caught_up(now)) return;
      Piece& piece = leg.queue.front();
      ssize_t sent = ::send(leg.to, piece.bytes.data(), piece.bytes.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
          leg.blocked = true;
          return;
        }
        note(c.id, fmt::format("forwarding {} failed: {}", leg.name, std::strerror(errno)));
        c.broken = true;
        return;
      }
      auto n = static_cast<std::size_t>(sent);
      record(c, leg, Op::send, std::string_view(piece.bytes).substr(0, n));
      leg.queued -= n;
      leg.last_sent = Clock::now();
      if (n == piece.bytes.size()) ++leg.pieces_sent;
      if (n < piece.bytes.size()) {
        piece.bytes.erase(0, n);
        leg.blocked = true;
        return;
      }
      leg.queue.pop_front();
    }
    if (leg.read_eof && leg.queue.empty() && !leg.hold_until && !leg.shut) {
      ::shutdown(leg.to, SHUT_WR);  // pass the half-close on, after every byte before it
      leg.shut = true;
    }
  }

  std::optional<Clock::time_point> next_deadline(const Leg& leg) const {
    std::optional<Clock::time_point> t = leg.hold_until;
    if (!leg.queue.empty() && !leg.blocked && (!t || leg.queue.front().due < *t)) t = leg.queue.front().due;
    if (leg.recheck && !leg.queue.empty() && (!t || *leg.recheck > *t)) t = leg.recheck;
    return t;
  }

  void run() {
    while (!stopping) {
      std::vector<pollfd> fds{{wake.fd(), POLLIN, 0}, {listener.get(), POLLIN, 0}};
      std::optional<Clock::time_point> deadline;
      for (auto& c : connections) {
        for (Leg* leg : {&c.up, &c.down}) {
          short events = 0;
          if (!leg->read_eof && leg->queued < kMaxQueued) fds.push_back({leg->from, POLLIN, 0});
          if (leg->blocked) events |= POLLOUT;
          if (events) fds.push_back({leg->to, events, 0});
          auto t = next_deadline(*leg);
          if (t && (!deadline || *t < *deadline)) deadline = t;
        }
      }
      wait_until(fds, deadline);  // microseconds: pieces are paced finer than poll's milliseconds
      if (stopping) break;
      auto now = Clock::now();
      if (fds[1].revents & POLLIN) accept_one();
      for (std::size_t i = 2; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto it = reader_of.find(fds[i].fd);
        if (it == reader_of.end()) continue;
        auto [c, leg] = it->second;
        if (!leg->read_eof && !c->broken) read_leg(*c, *leg, now);
      }
      now = Clock::now();
      for (auto it = connections.begin(); it != connections.end();) {
        if (!it->broken) {
          write_leg(*it, it->up, now);
          write_leg(*it, it->down, now);
        }
        bool done = it->broken || (it->up.finished() && it->down.finished());
        if (done) {
          note(it->id, fmt::format("connection {} closed", it->id));
          reader_of.erase(it->up.from);
          reader_of.erase(it->down.from);
          it = connections.erase(it);
        } else {
          ++it;
        }
      }
    }
    reader_of.clear();
    connections.clear();
  }
};

Relay::Relay(RelayOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->listener = listen_stream(impl_->options.listen);
}

Relay::~Relay() = default;

Address Relay::address() const { return local_address(impl_->listener.get()); }

void Relay::run() { impl_->run(); }

void Relay::stop() {
  impl_->stopping = true;
  impl_->wake.wake();
}

std::uint64_t Relay::connections() const { return impl_->accepted; }

}  // namespace sticky
