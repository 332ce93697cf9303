// 10 — send() may take fewer bytes than you asked. A non-blocking socket with a small send
// buffer accepts only part of a 1 MiB send() and returns how much; a program that ignores
// that number delivers less than it meant, and nobody tells it. send_all() loops until
// every byte is queued, and the checksums on both sides agree. A blocking socket can return
// early too: with SO_SNDTIMEO, a send that cannot finish in time returns what it managed.
//
// The number accepted is not the SO_SNDBUF you set. Linux doubles the value (getsockopt
// reports 8192 for 4096) to leave room for its own bookkeeping, counts the memory its
// buffers take (skb truesize) rather than your bytes, and checks the limit only before it
// starts a new buffer — one of which may hold a whole segment, capped at half the largest
// window the receiver advertised. Measured here: 32,741 bytes, half of the 65,483-byte window
// a 64 KiB receive buffer advertises (`ss -ti` shows mss:32741).
#include <fmt/format.h>

#include <future>

#include "harness/demo.hpp"
#include "sticky/error.hpp"

namespace {

using namespace std::chrono_literals;
using speak::tr;

constexpr std::size_t kSize = 1 << 20;
constexpr int kSendBuffer = 4096;  // SO_SNDBUF as set; the kernel doubles it

// FNV-1a: enough to tell a student whether two 1 MiB blobs are the same.
std::uint64_t checksum(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string payload() {
  std::string data(kSize, '\0');
  std::uint32_t x = 12345;
  for (auto& c : data) c = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
  return data;
}

struct Pair {
  sticky::Fd sender, receiver;
};

// A loopback connection whose sender has a 4 KiB send buffer. The receiver's buffer stays
// at 64 KiB: below one loopback segment (64 KiB) the sender would crawl on the persist timer.
Pair small_buffer_pair() {
  auto listener = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
  sticky::set_receive_buffer(listener.get(), 65536);  // inherited by the accepted socket
  Pair p;
  p.sender = sticky::connect_stream(sticky::local_address(listener.get()), 2000ms);
  sticky::set_send_buffer(p.sender.get(), kSendBuffer);
  p.receiver = sticky::accept_connection(listener.get());
  return p;
}

// SO_SNDBUF as the kernel reports it.
int send_buffer_size(int fd) {
  int bytes = 0;
  socklen_t len = sizeof bytes;
  if (::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, &len) != 0) sticky::throw_errno("getsockopt", "SO_SNDBUF");
  return bytes;
}

// A call of parts A to C in the trace, so the viewer and the pictures show it: its first
// 64 bytes and how many more it moved (a megabyte of hex would drown the story).
void record_call(harness::Demo* demo, sticky::Side side, int conn, sticky::Op op, std::string_view bytes,
                 std::size_t want, const char* function) {
  if (!demo) return;
  sticky::TraceEvent e;
  e.side = side;
  e.conn = conn;
  e.op = op;
  if (op == sticky::Op::send) e.msg = 1;
  e.want = want;
  e.function = function;
  e.data = std::string(bytes.substr(0, 64));
  e.data_left_out = bytes.size() - e.data.size();
  demo->record(std::move(e));
}

// Reads until the peer closes; returns everything. Each recv() is recorded as connection
// `conn` when a demo is given.
std::string drain(int fd, harness::Demo* demo = nullptr, int conn = 0) {
  std::string all;
  char buf[65536];
  for (;;) {
    std::size_t n = sticky::recv_some(fd, buf, sizeof buf, 10000ms);
    record_call(demo, sticky::Side::server, conn, sticky::Op::recv, std::string_view(buf, n), sizeof buf, "");
    if (n == 0) return all;
    all.append(buf, n);
  }
}

class PartialSend : public harness::StreamScenario {
 public:
  // Two terminals: the server is a sink that says what arrived; the client sends 1 MiB
  // twice, once ignoring send()'s return value and once with send_all.
  void serve(harness::Demo& demo, harness::Conn& conn) override {
    std::string got = drain(conn.fd());
    demo.say(checksum(got) == checksum(payload())
                 ? tr("server received {} bytes, checksum {:016x} (the whole 1 MiB payload)", got.size(), checksum(got))
                 : tr("server received {} bytes, checksum {:016x}", got.size(), checksum(got)));
  }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    const std::string data = payload();
    demo.say(tr("payload: {} bytes, checksum {:016x}", data.size(), checksum(data)));
    for (bool loop : {false, true}) {
      sticky::Fd fd = sticky::connect_stream(server, 2000ms);
      sticky::set_send_buffer(fd.get(), kSendBuffer);
      sticky::set_nonblocking(fd.get(), true);
      if (loop) {
        sticky::send_all(fd.get(), data, 10000ms);
        demo.say(tr("send_all: every byte queued"));
      } else {
        demo.say(tr("one send(): returned {}, and the client closes anyway", sticky::send_once(fd.get(), data)));
      }
    }
  }

  void both(harness::Demo& demo) override {
    const std::string data = payload();
    const auto sum = checksum(data);

    demo.step(tr("Part A: one send() of 1 MiB on a non-blocking socket with a 4 KiB send buffer"));
    std::size_t accepted;
    int reported = 0;
    std::string naive_got;
    {
      auto p = small_buffer_pair();
      sticky::set_nonblocking(p.sender.get(), true);
      reported = send_buffer_size(p.sender.get());
      accepted = sticky::send_once(p.sender.get(), data);
      record_call(&demo, sticky::Side::client, 1, sticky::Op::send, std::string_view(data).substr(0, accepted),
                  data.size(), "send");
      demo.say(tr("send(1048576 bytes) returned {}: the kernel took only what fitted. (SO_SNDBUF was set "
                  "to {}; the kernel reports {} — it doubles the value — and still took {}: how much "
                  "fits is the kernel's reckoning, not the number you set.)",
                  accepted, kSendBuffer, reported, accepted > static_cast<std::size_t>(reported) ? tr("more") : tr("less")));
      demo.say(tr("A program that ignores the return value now closes, believing it sent everything."));
      p.sender.reset();
      naive_got = drain(p.receiver.get(), &demo, 1);
    }
    demo.say(checksum(naive_got) == sum
                 ? tr("The receiver got {} bytes; checksum matches the sender's.", naive_got.size())
                 : tr("The receiver got {} bytes; checksum does NOT match the sender's.", naive_got.size()));

    demo.step(tr("Part B: send_all(), which loops over partial sends"));
    std::string full_got;
    {
      auto p = small_buffer_pair();
      sticky::set_nonblocking(p.sender.get(), true);
      auto reader =
          std::async(std::launch::async, [fd = p.receiver.get(), &demo] { return drain(fd, &demo, 2); });
      // Recorded before it runs: the receiver's recvs, on the other thread, must not come first.
      record_call(&demo, sticky::Side::client, 2, sticky::Op::send, data, data.size(), "send_all");
      sticky::send_all(p.sender.get(), data, 10000ms);
      p.sender.reset();
      full_got = reader.get();
    }
    bool full_match = checksum(full_got) == sum;
    demo.say(full_match ? tr("The receiver got {} bytes; checksum matches.", full_got.size())
                        : tr("The receiver got {} bytes; checksum does NOT match.", full_got.size()));

    demo.step(tr("Part C: a blocking socket with SO_SNDTIMEO of 100 ms, and a receiver that does not read"));
    std::size_t timed;
    {
      auto p = small_buffer_pair();
      sticky::set_send_timeout(p.sender.get(), 100ms);
      timed = sticky::send_once(p.sender.get(), data);
      record_call(&demo, sticky::Side::client, 3, sticky::Op::send, std::string_view(data).substr(0, timed),
                  data.size(), "send");
    }
    demo.say(tr("The blocking send() returned {} after the timeout: a partial send, no error.", timed));
    demo.say(tr("Blocking or not, the only safe send is a loop over send(): sticky::send_all, which waits with poll() "
                "when a non-blocking socket is full. Python's sendall() is that loop for a blocking socket (or one "
                "with a timeout); on a non-blocking socket it raises BlockingIOError and does not say how much it "
                "sent."));

    bool observed = accepted > 0 && accepted < kSize && naive_got.size() == accepted && checksum(naive_got) != sum &&
                    full_got.size() == kSize && full_match && timed > 0 && timed < kSize;
    demo.result(observed,
                {{"requested", kSize},
                 {"sndbuf_set", kSendBuffer},
                 {"sndbuf_reported", reported},
                 {"nonblocking_send_accepted", accepted},
                 {"naive_received", naive_got.size()},
                 {"naive_checksum_match", checksum(naive_got) == sum},
                 {"send_all_received", full_got.size()},
                 {"send_all_checksum_match", full_match},
                 {"sndtimeo_send_returned", timed}},
                tr("non-blocking send() took {} of {} bytes; ignoring that delivered {}; send_all "
                   "delivered {}; a blocking send with SO_SNDTIMEO returned {}",
                   accepted, kSize, naive_got.size(), full_got.size(), timed));
  }
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(10, "partial-send", "send() may accept fewer bytes than asked; why send_all loops");
  PartialSend scenario;
  return demo.main(argc, argv, scenario);
}
