// 01 — several send() calls arrive in one recv() (粘包).
//
// Part A, the classic: the client sends "hello", "world", "egon"; the server, busy for a
// moment, reads late and gets "helloworldegon" from one recv(1024). The merge happened in
// the server's receive buffer: TCP keeps bytes, not send() boundaries.
// Part B, Nagle proper: 20 sends of 5 bytes, 0.5 ms apart, to a receiver told to delay its
// ACKs (TCP_QUICKACK off). With Nagle the sender holds small data while an earlier segment
// is unacknowledged, so the sends leave as ~3 segments; with TCP_NODELAY, as 20.
// Part C: the same with quick ACKs forced (TCP_QUICKACK on): each ACK is back before the
// next send, so Nagle merges nothing.
// Part D: Linux's own choice, no TCP_QUICKACK at all. A receiver that only reads gets quick
// ACKs (a new connection starts in quick-ACK mode, and a read that empties the buffer sends
// the ACK): 20 segments. A receiver that answered the first message at once looks
// interactive ("pingpong" mode): Linux delays its ACKs to carry them on the next answer, and
// Nagle merges the rest. Parts B to D need both ends, so they run in role both only.
#include <fmt/format.h>

#include <future>
#include <thread>

#include "harness/demo.hpp"
#include "speak/command_line.hpp"

namespace {

using namespace std::chrono_literals;
using speak::tr;

struct NagleRun {
  std::uint32_t segments = 0;          // segments with data the sender put on the wire
  std::vector<std::size_t> recv_sizes;
};

// How the receiver ACKs in parts B to D.
enum class Acks {
  delayed,   // TCP_QUICKACK off before every recv
  quick,     // TCP_QUICKACK on before every recv
  one_way,   // left to Linux; the receiver only reads
  answered,  // left to Linux; the receiver answers the first message as soon as it reads it
};

class NagleMerge : public harness::StreamScenario {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("--late", late_ms_, "server: milliseconds it is busy before its recv(1024)")
        ->check(CLI::Range(0, 10000))
        ->capture_default_str();
  }

  // Part A, server side: busy for a moment, then one recv(1024), like the classic lesson.
  void serve(harness::Demo& demo, harness::Conn& conn) override {
    demo.say(speak::tr("server is busy for {} ms before it calls recv(1024)", late_ms_));
    std::this_thread::sleep_for(std::chrono::milliseconds(late_ms_));
    first_recv_ = conn.recv(1024);
    while (!conn.recv(1024).empty()) {}  // drain until the client closes
  }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    auto conn = demo.connect(server);
    for (const char* word : {"hello", "world", "egon"}) conn.send(word);
    conn.shutdown_write();
    conn.recv(1024);  // wait for the server to close: the demo ends when the story does
  }

  void both(harness::Demo& demo) override {
    demo.step(tr("Part A: three send() calls, one late recv()"));
    demo.say(tr("The client calls send() three times; TCP carries bytes, not the calls."));
    StreamScenario::both(demo);
    bool merged = first_recv_ == "helloworldegon";
    demo.say(merged ? tr("One recv(1024) returned all 14 bytes: the three messages stuck together (粘包).")
                    : tr("The first recv returned {} bytes this time.", first_recv_.size()));
    demo.say(tr("They met in the server's receive buffer, not on the wire: the reader was simply late."));

    demo.step(tr("Part B: Nagle's algorithm, made visible by delayed ACKs"));
    demo.say(tr("20 sends of 5 bytes, 0.5 ms apart. Before every recv the receiver turns TCP_QUICKACK off, "
                "which tells Linux to delay its ACKs (by 40 ms here). The kernel clears that setting when its "
                "delayed-ACK timer fires, so it is set again before every recv."));
    demo.say(tr("Nagle's algorithm holds a small segment while an earlier one is unacknowledged."));
    demo.narrate_io(false);
    NagleRun nagle = run(demo, /*nodelay=*/false, Acks::delayed);
    report(demo, tr("Nagle on, delayed ACKs:"), nagle);
    NagleRun nodelay = run(demo, true, Acks::delayed);
    report(demo, tr("TCP_NODELAY, delayed ACKs:"), nodelay);

    demo.step(tr("Part C: the same with quick ACKs forced (TCP_QUICKACK on before every recv)"));
    NagleRun quick = run(demo, false, Acks::quick);
    report(demo, tr("Nagle on, quick ACKs:"), quick);
    demo.say(tr("Every segment is ACKed as it arrives, before the next send: Nagle has nothing to wait for."));

    demo.step(tr("Part D: Linux's own choice (no TCP_QUICKACK at all)"));
    demo.say(tr("A receiver that only reads: Linux ACKs at once. A new connection starts in quick-ACK mode, "
                "and a read that empties the receive buffer sends the ACK."));
    NagleRun one_way = run(demo, false, Acks::one_way);
    report(demo, tr("Nagle on, reader only:"), one_way);
    demo.say(tr("Now the receiver answers the first message (\"ok\") as soon as it has read it. Data sent that "
                "soon after receiving makes Linux treat the connection as interactive: it delays its ACKs, to "
                "carry them on the next answer."));
    NagleRun answered = run(demo, false, Acks::answered);
    report(demo, tr("Nagle on, reader answered:"), answered);
    demo.narrate_io(true);
    demo.say(tr("So on one machine Nagle does merge, once the receiver has answered something — request and "
                "response, the common case (demo 06 measures what it costs)."));
    demo.say(tr("The merge in part A was something else: the receive buffer, read late."));

    bool nagle_merged = nagle.segments < kSends / 2 && nodelay.segments == kSends;
    bool quick_separate = quick.segments == kSends;
    bool linux_choice = one_way.segments == kSends && answered.segments < kSends / 2;
    auto facts = nlohmann::json{
        {"part_a", {{"sends", 3}, {"first_recv_bytes", first_recv_.size()}, {"merged", merged}}},
        {"nagle_delayed_ack", facts_of(nagle)},
        {"nodelay_delayed_ack", facts_of(nodelay)},
        {"nagle_quick_ack", facts_of(quick)},
        {"default_reader_only", facts_of(one_way)},
        {"default_reader_answered", facts_of(answered)},
    };
    demo.result(merged && nagle_merged && quick_separate && linux_choice, facts,
                tr("3 sends -> {} in the first recv; 20 sends -> {} data segments with Nagle and "
                   "delayed ACKs, {} with TCP_NODELAY, {} with quick ACKs; with Linux's own ACKs {} "
                   "to a reader only, {} once the reader had answered",
                   speak::byte_count(first_recv_.size()), nagle.segments, nodelay.segments, quick.segments,
                   one_way.segments, answered.segments));
  }

 private:
  static constexpr int kSends = 20;

  static nlohmann::json facts_of(const NagleRun& r) {
    return {{"sends", kSends}, {"segments", r.segments}, {"recvs", r.recv_sizes.size()}, {"recv_sizes", r.recv_sizes}};
  }

  // "5, 5, 90" or "20 × 5": runs of equal sizes folded so the line stays short.
  static std::string sizes_text(const std::vector<std::size_t>& sizes) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < sizes.size();) {
      std::size_t j = i;
      while (j < sizes.size() && sizes[j] == sizes[i]) ++j;
      if (j - i >= 3) parts.push_back(fmt::format("{} × {}", j - i, sizes[i]));
      else for (std::size_t k = i; k < j; ++k) parts.push_back(std::to_string(sizes[k]));
      i = j;
    }
    return fmt::format("{}", fmt::join(parts, ", "));
  }

  static void report(harness::Demo& demo, const speak::Text& label, const NagleRun& r) {
    speak::Text padded{fmt::format("{:<26}", label.english), speak::pad(label.local, 26)};
    demo.say(tr("{} {} sends -> {:>2} data segments; recv sizes: {}", padded, kSends, r.segments,
                sizes_text(r.recv_sizes)));
  }

  // One run of part B, C or D on a fresh loopback connection.
  static NagleRun run(harness::Demo& demo, bool nodelay, Acks acks) {
    auto listener = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
    auto sender = demo.connect(sticky::local_address(listener.get()));
    auto receiver = demo.adopt(sticky::accept_connection(listener.get()), sticky::Side::server);
    sticky::set_nodelay(sender.fd(), nodelay);
    auto reader = std::async(std::launch::async, [&receiver, acks] {
      std::vector<std::size_t> sizes;
      for (std::size_t total = 0; total < kSends * 5;) {
        // TCP_QUICKACK 0 puts the socket in the mode Linux enters by itself when a connection
        // looks interactive; the kernel leaves it when its delayed-ACK timer fires, so set it
        // before each recv. 1: every segment is ACKed as it arrives, whether or not the reader runs.
        if (acks == Acks::delayed || acks == Acks::quick) sticky::set_quickack(receiver.fd(), acks == Acks::quick);
        std::size_t got = receiver.recv(1024, 5000ms).size();
        if (got == 0) break;
        // An answer sent this soon after receiving is what makes Linux delay its ACKs.
        if (acks == Acks::answered && sizes.empty()) receiver.send("ok");
        sizes.push_back(got);
        total += got;
      }
      return sizes;
    });
    // Segments that carried data (tcpi_data_segs_out): the sender's ACKs of "ok" are not counted.
    auto before = sender.segments().data_out;
    for (int i = 0; i < kSends; ++i) {
      sender.send(std::string(5, static_cast<char>('a' + i)));
      std::this_thread::sleep_for(500us);  // the pace of the experiment, not a synchronisation
    }
    NagleRun result;
    result.recv_sizes = reader.get();  // every byte arrived, so every segment has left
    result.segments = sender.segments().data_out - before;
    return result;
  }

  int late_ms_ = 100;
  std::string first_recv_;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(1, "nagle-merge", "Several send() calls arrive in one recv(): a late reader, and Nagle");
  NagleMerge scenario;
  return demo.main(argc, argv, scenario);
}
