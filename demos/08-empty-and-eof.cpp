// 08 — what an empty read means. send() of zero bytes on TCP puts nothing on the wire (the
// connection's segment counter, tcpi_segs_out, does not move) and the peer's recv() keeps
// waiting — shown with a timeout, not a hang. Only the end of the stream — shutdown(SHUT_WR)
// or close() — makes a recv() that asks for bytes return 0, and it does so at once: on TCP
// an empty read means "the peer closed" (recv(0), which asks for nothing, returns 0 on any
// socket). That is why the classic remote-command server answers a fixed text when a command
// prints nothing. UDP is the contrast: an empty datagram is a real, empty message.
#include <fmt/format.h>

#include "harness/demo.hpp"
#include "sticky/error.hpp"
#include "speak/command_line.hpp"

namespace {

using namespace std::chrono_literals;
using speak::tr;

class EmptyAndEof : public harness::StreamScenario {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("--wait", wait_ms_, "how long the peer's recv waits for the empty send, in ms")
        ->check(CLI::Range(10, 10000))
        ->capture_default_str();
  }

  // Server side of parts A and B: a recv that waits, then a recv that sees the end.
  void serve(harness::Demo& demo, harness::Conn& conn) override {
    try {
      conn.recv(1024, std::chrono::milliseconds(wait_ms_));
      timed_out_ = false;
    } catch (const sticky::TimeoutError&) {
      timed_out_ = true;
      demo.say(tr("server recv(1024) is still waiting after {} ms: nothing came", wait_ms_));
    }
    conn.send("go on");  // tell the client the wait is over
    // The same timeout again: this recv returns long before it, with 0 bytes.
    auto start = std::chrono::steady_clock::now();
    try {
      eof_bytes_ = conn.recv(1024, std::chrono::milliseconds(wait_ms_)).size();
    } catch (const sticky::TimeoutError&) {
      eof_bytes_ = 99;  // no end of stream within the timeout
    }
    eof_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    demo.say(tr("server recv(1024) returned {} after {:.1f} ms of its {} ms timeout", speak::byte_count(eof_bytes_),
                eof_ms_, wait_ms_));
  }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    auto conn = demo.connect(server);
    // Every segment this end has sent, SYN and pure ACKs included (tcpi_segs_out), read just
    // around the send: anything send() puts on the wire has left when it returns.
    auto before = conn.segments().out;
    std::size_t sent = sticky::send_once(conn.fd(), "");
    auto after = conn.segments().out;
    segments_before_ = before;
    segments_after_ = after;
    demo.say(tr("client send(\"\") returned {}; segments this end has sent (tcpi_segs_out): {} before "
                "it, {} after",
                sent, before, after));
    conn.recv(16, 10000ms);  // the server's "go on": its recv has given up by now
    empty_send_returned_ = sent;
    demo.say(tr("client calls shutdown(SHUT_WR): no more bytes from this side"));
    conn.shutdown_write();
    conn.recv(16, 5000ms);
  }

  void both(harness::Demo& demo) override {
    demo.step(tr("Part A: send(\"\") on a TCP connection"));
    StreamScenario::both(demo);
    demo.say(tr("The server's recv() returned {} at once after the shutdown ({:.1f} ms, {:.3f} of its "
                "timeout): that is the end of the stream.",
                speak::byte_count(eof_bytes_), eof_ms_, eof_ms_ / wait_ms_));
    demo.say(tr("On TCP, a recv() that asks for bytes returns 0 only at the end of the stream: the peer will send "
                "no more. (recv(0) returns 0 on any open socket — it asked for nothing.)"));
    demo.say(tr("So a server must never answer with nothing: if the classic remote-command server sent the empty "
                "output of a command, send() would put nothing on the wire, and its recv(1024) client would wait "
                "forever. It sends a fixed text instead."));

    demo.step(tr("Part B: UDP, where an empty message exists"));
    harness::DatagramSocket server(demo, sticky::bind_datagram(sticky::Address::parse("127.0.0.1:0")), sticky::Side::server);
    harness::DatagramSocket client(demo, sticky::connect_datagram(sticky::local_address(server.fd())), sticky::Side::client);
    client.send_to("");
    auto d = server.recv_from(1024, 2000ms);
    bool udp_empty = d.data.empty();
    demo.say(tr("The empty datagram arrived as a message of 0 bytes; the socket is as open as before."));

    double eof_ratio = eof_ms_ / wait_ms_;
    bool observed = empty_send_returned_ == 0 && segments_after_ == segments_before_ && timed_out_ && eof_bytes_ == 0 &&
                    eof_ratio < 0.1 && udp_empty;
    demo.result(observed,
                {{"empty_send_returned", empty_send_returned_},
                 {"segments_out_before", segments_before_},
                 {"segments_out_after", segments_after_},
                 {"peer_recv_timed_out", timed_out_},
                 {"wait_ms", wait_ms_},
                 {"recv_after_shutdown_bytes", eof_bytes_},
                 {"eof_ms", eof_ms_},
                 {"eof_ms_over_timeout", eof_ratio},
                 {"udp_empty_datagram_received", udp_empty}},
                tr("send(\"\") returned {}, segments sent {} -> {}, peer recv {}; after shutdown recv "
                   "returned {} in {:.1f} ms ({:.3f} of the timeout); UDP delivered an empty datagram: {}",
                   empty_send_returned_, segments_before_, segments_after_,
                   timed_out_ ? tr("timed out") : tr("got data"), eof_bytes_, eof_ms_, eof_ratio,
                   udp_empty ? tr("yes") : tr("no")));
  }

 private:
  int wait_ms_ = 300;
  bool timed_out_ = false;
  std::size_t eof_bytes_ = 99;
  std::size_t empty_send_returned_ = 99;
  double eof_ms_ = 0;
  std::uint32_t segments_before_ = 0, segments_after_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(8, "empty-and-eof", "A zero-byte send transmits nothing; recv() == 0 means the peer closed");
  EmptyAndEof scenario;
  return demo.main(argc, argv, scenario);
}
