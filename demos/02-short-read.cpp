// 02 — recv(n) returns what has arrived, up to n bytes: fewer than were sent is normal (拆包).
//
// Part A: one send of "helloworldegon"; the server reads with recv(1), recv(5), recv(1024)
// and gets "h", "ellow", "orldegon" — the rest waits in the buffer for the next call.
// Part B: a 256 KiB message sent in one send() and read, 100 ms later, with recv(262144) — a
// buffer big enough for all of it — still comes back in pieces: the receiver's buffer (128 KiB
// when a connection starts on Linux; it grows only as the application reads) holds less than
// the message, so the sender can send only part of it until the reader takes some. The kernel
// decides that, and a kernel with a bigger buffer would say otherwise.
// Part C: a 64 KiB message read with recv(1024) takes 64 calls: arithmetic, since recv(1024)
// never returns more than 1024 bytes.
// Part D: recv_exact() loops until it has every byte.
#include <fmt/format.h>

#include <thread>

#include "harness/demo.hpp"
#include "sticky/error.hpp"

namespace {

using namespace std::chrono_literals;
using speak::tr;

constexpr std::size_t kSmall = 64 * 1024;
constexpr std::size_t kBig = 256 * 1024;
constexpr int kLateMs = 100;

// SO_RCVBUF as the kernel reports it: the memory it lets the receive queue use.
std::size_t receive_buffer_size(int fd) {
  int bytes = 0;
  socklen_t len = sizeof bytes;
  if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, &len) != 0) sticky::throw_errno("getsockopt", "SO_RCVBUF");
  return static_cast<std::size_t>(bytes);
}

std::string pattern(std::size_t n, char first) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(first + i % 26);
  return s;
}

class ShortRead : public harness::StreamScenario {
 public:
  void serve(harness::Demo& demo, harness::Conn& conn) override {
    // Part A: wait until the whole word is here, so every short read is the size we asked for.
    sticky::wait_readable(conn.fd(), 5000ms);
    small_.clear();
    for (std::size_t want : {1, 5, 1024}) small_.push_back(conn.recv(want));
    conn.send("next");  // part B starts only now, so part A's recv(1024) sees only its word

    // Part B: a buffer as big as the message, and time for the whole message to arrive.
    receive_buffer_ = receive_buffer_size(conn.fd());
    demo.say(tr("server is busy for {} ms, then asks for the whole message at once", kLateMs));
    // Late counts from the message's first byte, which comes after the client's send() began
    // (a send is recorded before its bytes go): counted from our "next", the client's turn
    // around would eat into the 100 ms (a loaded machine measured 99.98 ms).
    sticky::wait_readable(conn.fd(), 5000ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(kLateMs));
    big_sizes_.clear();
    for (std::size_t got = 0; got < kBig;) {
      std::size_t n = conn.recv(kBig - got, 5000ms).size();  // the first asks for all 262144
      if (n == 0) break;
      big_sizes_.push_back(n);
      got += n;
    }
    demo.say(tr("The first recv({}) returned {}: no more had arrived, although the server came "
                "late. The receive buffer ({} here) holds less than the message, so the sender "
                "could send only part of it until the reader took some.",
                kBig, speak::byte_count(big_sizes_.empty() ? 0 : big_sizes_[0]),
                speak::byte_count(receive_buffer_)));

    // Part C: recv(1024) until the 64 KiB message is in.
    std::size_t got = 0;
    small_buffer_calls_ = 0;
    while (got < kSmall) {
      std::size_t n = conn.recv(std::min<std::size_t>(1024, kSmall - got), 5000ms).size();
      if (n == 0) break;
      got += n;
      ++small_buffer_calls_;
    }
    demo.say(tr("recv(1024) in a loop: {} calls for {} bytes. That is arithmetic: recv(1024) never "
                "returns more than 1024 bytes.",
                small_buffer_calls_, got));

    // Part D: recv_exact loops for you.
    conn.send("go");
    auto before = demo.trace().events().size();
    std::string whole = conn.recv_exact(kBig, 5000ms);
    exact_ok_ = whole == pattern(kBig, 'A');
    exact_recvs_ = 0;
    auto events = demo.trace().events();
    for (auto i = before; i < events.size(); ++i)
      if (events[i].op == sticky::Op::recv && events[i].side == sticky::Side::server) ++exact_recvs_;
    conn.frame(whole);
    demo.say(exact_recvs_ == 1
                 ? tr("recv_exact({}) returned all {}, from {} recv call inside it: it calls recv() "
                      "until every byte has come, however many calls that takes.",
                      kBig, speak::byte_count(whole.size()), exact_recvs_)
                 : tr("recv_exact({}) returned all {}, from {} recv calls inside it: it calls recv() "
                      "until every byte has come, however many calls that takes.",
                      kBig, speak::byte_count(whole.size()), exact_recvs_));
    conn.send("done");
  }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    auto conn = demo.connect(server);
    conn.send("helloworldegon");
    conn.recv_exact(4, 5000ms);
    conn.send(pattern(kBig, 'a'));  // one send() each
    conn.send(pattern(kSmall, 'a'));
    conn.recv_exact(2, 10000ms);    // "go": the server is in recv_exact already
    conn.send(pattern(kBig, 'A'));
    conn.recv_exact(4, 10000ms);
  }

  void both(harness::Demo& demo) override {
    demo.step(tr("Short reads: one send() of 14 bytes, then bigger messages"));
    demo.say(tr("recv(n) means 'at most n': it returns what is in the buffer, up to n bytes."));
    StreamScenario::both(demo);
    bool split = small_.size() == 3 && small_[0] == "h" && small_[1] == "ellow" && small_[2] == "orldegon";
    bool big_short = !big_sizes_.empty() && big_sizes_[0] < kBig;
    demo.step(tr("Why recv_exact"));
    demo.say(tr("A reader that wants a whole message must loop until it has every byte — or it will treat half "
                "a message as a whole one (半包). A bigger buffer does not save it: the kernel decides how much "
                "has arrived."));
    std::vector<std::size_t> sizes;
    for (const auto& s : small_) sizes.push_back(s.size());
    demo.result(split && small_buffer_calls_ >= 64 && big_short && exact_ok_,
                {{"recv_sizes", sizes},
                 {"small_buffer", {{"bytes", kSmall}, {"want", 1024}, {"recv_calls", small_buffer_calls_}}},
                 {"big_buffer",
                  {{"bytes", kBig},
                   {"want", kBig},
                   {"first_recv_bytes", big_sizes_.empty() ? 0 : big_sizes_[0]},
                   {"recv_sizes", big_sizes_},
                   {"recv_calls", big_sizes_.size()},
                   {"reader_late_ms", kLateMs},
                   {"receive_buffer_bytes", receive_buffer_}}},
                 {"recv_exact_bytes", kBig},
                 {"recv_exact_recvs", exact_recvs_},
                 {"recv_exact_ok", exact_ok_}},
                tr("recv(1), recv(5), recv(1024) returned {}; recv({}) of a {}-byte send returned {} "
                   "first ({} calls); 64 KiB took {} recv(1024) calls; recv_exact returned {} whole",
                   fmt::format("{}", fmt::join(sizes, ", ")), kBig, kBig, big_sizes_.empty() ? 0 : big_sizes_[0],
                   big_sizes_.size(), small_buffer_calls_, kBig));
  }

 private:
  std::vector<std::string> small_;
  std::size_t small_buffer_calls_ = 0;
  std::vector<std::size_t> big_sizes_;
  std::size_t exact_recvs_ = 0;
  std::size_t receive_buffer_ = 0;
  bool exact_ok_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(2, "short-read", "recv(n) returns fewer bytes than were sent; the rest waits");
  ShortRead scenario;
  return demo.main(argc, argv, scenario);
}
