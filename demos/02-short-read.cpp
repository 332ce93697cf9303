// 02 — recv(n) returns what has arrived, up to n bytes: fewer than were sent is normal (拆包).
//
// Part A: one send of "helloworldegon"; the server reads with recv(1), recv(5), recv(1024)
// and gets "h", "ellow", "orldegon" — the rest waits in the buffer for the next call.
// Part B: a 64 KiB message read with recv(1024) takes many calls; recv_exact() loops for you.
#include <fmt/format.h>

#include "harness/demo.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::size_t kBig = 64 * 1024;

class ShortRead : public harness::StreamScenario {
 public:
  void serve(harness::Demo& demo, harness::Conn& conn) override {
    // Part A: wait until the whole word is here, so every short read is the size we asked for.
    sticky::wait_readable(conn.fd(), 5000ms);
    for (std::size_t want : {1, 5, 1024}) small_.push_back(conn.recv(want));
    conn.send("next");  // part B starts only now, so part A's recv(1024) sees only its word

    // Part B: the same 64 KiB message twice, read two ways.
    std::size_t got = 0;
    recv_calls_ = 0;
    while (got < kBig) {
      std::size_t n = conn.recv(std::min<std::size_t>(1024, kBig - got), 5000ms).size();
      if (n == 0) break;
      got += n;
      ++recv_calls_;
    }
    demo.say(fmt::format("recv(1024) in a loop: {} calls for {} bytes", recv_calls_, got));
    std::string whole = sticky::recv_exact(conn.fd(), kBig, 5000ms);
    exact_ok_ = whole.size() == kBig;
    conn.frame(whole);
    demo.say(fmt::format("recv_exact({}): one call, {} bytes — it loops inside until all have come",
                         kBig, whole.size()));
    conn.send("done");
  }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    auto conn = demo.connect(server);
    conn.send("helloworldegon");
    conn.recv_exact(4, 5000ms);
    demo.narrate_io(false);  // 64 recv lines would hide the point; the trace keeps them
    std::string big(kBig, '\0');
    for (std::size_t i = 0; i < kBig; ++i) big[i] = static_cast<char>('a' + i % 26);
    conn.send(big);
    conn.send(big);
    conn.recv(16, 10000ms);
    demo.narrate_io(true);
  }

  void both(harness::Demo& demo) override {
    demo.step("One send of 14 bytes, read with recv(1), recv(5), recv(1024)");
    demo.say("recv(n) means 'at most n': it returns what is in the buffer, up to n bytes.");
    StreamScenario::both(demo);
    std::vector<std::string> got;
    for (const auto& s : small_) got.push_back(s);
    bool split = got == std::vector<std::string>{"h", "ellow", "orldegon"};
    demo.step("Why recv_exact");
    demo.say("A reader that wants a whole message must loop until it has every byte —");
    demo.say("or it will treat half a message as a whole one (半包).");
    demo.result(split && recv_calls_ > 1 && exact_ok_,
                {{"recv_sizes", {small_.size() > 0 ? small_[0].size() : 0, small_.size() > 1 ? small_[1].size() : 0,
                                 small_.size() > 2 ? small_[2].size() : 0}},
                 {"big_bytes", kBig},
                 {"big_recv_calls", recv_calls_},
                 {"recv_exact_calls", 1},
                 {"recv_exact_ok", exact_ok_}},
                fmt::format("recv(1), recv(5), recv(1024) returned {}, {}, {} bytes; 64 KiB took {} "
                            "recv(1024) calls and one recv_exact",
                            small_.size() > 0 ? small_[0].size() : 0, small_.size() > 1 ? small_[1].size() : 0,
                            small_.size() > 2 ? small_[2].size() : 0, recv_calls_));
  }

 private:
  std::vector<std::string> small_;
  std::size_t recv_calls_ = 0;
  bool exact_ok_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(2, "short-read", "recv(n) returns fewer bytes than were sent; the rest waits");
  ShortRead scenario;
  return demo.main(argc, argv, scenario);
}
