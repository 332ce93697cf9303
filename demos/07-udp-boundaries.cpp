// 07 — UDP keeps message boundaries. The classic echo-upper server: each datagram in, the
// same bytes upper-cased out. Three datagrams sent back to back and read late arrive as three
// datagrams, never stuck together. A 3000-byte datagram read into a 1024-byte buffer gives
// 1024 bytes and MSG_TRUNC: the rest is gone, and the next read is the next datagram. An
// empty datagram arrives as an empty message — which on TCP would have meant "closed".
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "harness/demo.hpp"
#include "speak/narrator.hpp"

namespace {

using namespace std::chrono_literals;
using speak::tr;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

class UdpBoundaries : public harness::DatagramScenario {
 public:

  void serve_datagrams(harness::Demo&, harness::DatagramSocket& socket, bool once) override {
    for (;;) {
      auto d = socket.recv_from(1024);
      if (d.from) socket.send_to(upper(d.data), &*d.from);
      if (once) return;
    }
  }

  // Against any echo-upper server: ours, or the classic Python one.
  void client(harness::Demo& demo, const sticky::Address& server) override {
    harness::DatagramSocket socket(demo, sticky::connect_datagram(server), sticky::Side::client);
    for (const char* word : {"hello", "world", "egon"}) socket.send_to(word);
    std::vector<std::string> replies;
    for (int i = 0; i < 3; ++i) replies.push_back(socket.recv_from(1024, 2000ms).data);
    socket.send_to(std::string(3000, 'x'));
    auto big = socket.recv_from(4096, 2000ms);
    socket.send_to("");
    auto empty = socket.recv_from(1024, 2000ms);
    demo.say(tr("replies: {}; the 3000-byte datagram came back as {}; the empty one as {}",
                fmt::format("{}", fmt::join(replies, ", ")), speak::byte_count(big.data.size()),
                speak::byte_count(empty.data.size())));
  }

  void both(harness::Demo& demo) override {
    harness::DatagramSocket server(demo, sticky::bind_datagram(sticky::Address::parse("127.0.0.1:0")), sticky::Side::server);
    harness::DatagramSocket client(demo, sticky::connect_datagram(sticky::local_address(server.fd())), sticky::Side::client);

    demo.step(tr("Part A: three datagrams sent back to back, read late"));
    for (const char* word : {"hello", "world", "egon"}) client.send_to(word);
    demo.say(tr("The server reads only now, with all three waiting:"));
    std::vector<std::string> got;
    for (int i = 0; i < 3; ++i) {
      auto d = server.recv_from(1024, 2000ms);
      got.push_back(d.data);
      server.send_to(upper(d.data), &*d.from);
    }
    for (int i = 0; i < 3; ++i) client.recv_from(1024, 2000ms);
    bool three = got == std::vector<std::string>{"hello", "world", "egon"};
    demo.say(tr("Three recvfrom calls, three datagrams: UDP never merges them (no 粘包)."));

    demo.step(tr("Part B: a 3000-byte datagram into a 1024-byte buffer"));
    client.send_to(std::string(3000, 'x'));
    client.send_to("next");
    auto big = server.recv_from(1024, 2000ms);
    auto next = server.recv_from(1024, 2000ms);
    demo.say(tr("recvfrom(1024) returned {} of {} bytes with MSG_TRUNC set; the next read returned {}.",
                big.data.size(), big.full_size, speak::preview(next.data, 20)));
    demo.say(tr("The other {} are gone: a datagram is read whole or cut, never continued. (On "
                "Windows the call fails instead, with WSAEMSGSIZE — in Python, OSError [WinError 10040] — and "
                "the datagram is lost just the same.)",
                speak::byte_count(big.full_size - big.data.size())));

    demo.step(tr("Part C: an empty datagram"));
    client.send_to("");
    auto empty = server.recv_from(1024, 2000ms);
    demo.say(tr("recvfrom returned 0 bytes: an empty message. On TCP, recv() == 0 means the peer closed; on UDP "
                "there is no connection to close, so 0 bytes is just a datagram with nothing in it."));
    demo.say(tr("What loopback cannot show: real UDP may lose, duplicate or reorder datagrams."));

    bool observed = three && big.truncated && big.data.size() == 1024 && big.full_size == 3000 &&
                    next.data == "next" && empty.data.empty() && !empty.truncated;
    demo.result(observed,
                {{"sent", 3},
                 {"datagrams_read", got.size()},
                 {"read", got},
                 {"big_sent", 3000},
                 {"big_read", big.data.size()},
                 {"big_truncated", big.truncated},
                 {"big_full_size", big.full_size},
                 {"after_big", next.data},
                 {"empty_read_bytes", empty.data.size()},
                 {"empty_is_datagram", empty.data.empty()}},
                tr("3 datagrams read as {}; 3000 bytes read as {} with MSG_TRUNC; next read \"{}\"; "
                   "empty datagram read as {} bytes",
                   got.size(), big.data.size(), next.data, empty.data.size()));
  }
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(7, "udp-boundaries", "UDP keeps message boundaries; a short buffer truncates; an empty datagram exists");
  UdpBoundaries scenario;
  return demo.main(argc, argv, scenario);
}
