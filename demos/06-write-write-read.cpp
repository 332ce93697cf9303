// 06 — the write-write-read stall. A server answers each request with a 4-byte header and
// a 50-byte body. Written as two send() calls, every answer but the first waits ~40 ms: the
// body is a small segment sent while the header is unacknowledged, so Nagle holds it; the
// client delays its ACK — Linux delays ACKs by 40 to 200 ms once a connection looks
// interactive, as this one does from the second request on (lesson 01, part D) — and it has
// nothing to say until the body arrives. Written in one call
// (one buffer, or writev) the answer leaves as one segment and nothing waits. TCP_NODELAY
// removes the stall too, but still puts two segments on the wire for every answer.
#include <fmt/format.h>

#include <chrono>

#include "harness/demo.hpp"
#include "sticky/codec.hpp"
#include "speak/command_line.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using speak::tr;

struct Variant {
  const char* name;     // --write value
  const char* label;    // for people
  bool two_calls;
  bool writev;
  bool nodelay;
};
const Variant kVariants[] = {
    {"two", "send(header); send(body)", true, false, false},
    {"one", "send(header + body)", false, false, false},
    {"writev", "writev(header, body)", false, true, false},
    {"nodelay", speak::N_("two sends + TCP_NODELAY"), true, false, true},
};

struct Measured {
  double ms_per_request = 0;
  double segments_per_answer = 0;
};

class WriteWriteRead : public harness::StreamScenario {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("--requests", requests_, "requests per server variant")->check(CLI::Range(1, 1000))->capture_default_str();
    app.add_option("--write", write_, "server: how it writes each answer")
        ->check(CLI::IsMember({"two", "one", "writev", "nodelay"}))
        ->capture_default_str();
  }

  void serve(harness::Demo&, harness::Conn& conn) override {
    const Variant& v = variant(in_both_ ? kVariants[current_].name : write_);
    sticky::set_nodelay(conn.fd(), v.nodelay);
    sticky::LengthCodec codec;
    const std::string body(50, 'b');
    const std::string frame = codec.encode(body);
    const std::string_view header = std::string_view(frame).substr(0, 4);
    auto before = conn.segments().data_out;
    int answers = 0;
    while (!conn.recv(64).empty()) {
      if (v.two_calls) {
        conn.send(header);
        conn.send_more(body);
      } else if (v.writev) {
        conn.send_gather(header, body);
      } else {
        conn.send(frame);
      }
      ++answers;
    }
    if (answers) segments_per_answer_ = double(conn.segments().data_out - before) / answers;
  }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    auto conn = demo.connect(server);
    conn.use_codec(sticky::CodecSpec{}, 5000ms);  // the answers: a 4-byte big-endian length, then the body
    auto start = Clock::now();
    for (int i = 0; i < requests_; ++i) {
      conn.send("get");
      auto body = conn.read_frame();
      if (!body) throw std::runtime_error(tr("the server closed before answering").english);
      if (i == 0) demo.narrate_io(false);  // one request shown; the rest are in the trace
    }
    last_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - start).count() / requests_;
    if (demo.options().role == "client") {
      demo.print(tr("{} requests, {:.3f} ms per request", requests_, last_ms_));
      // The stall shows as the delayed-ACK timer's 40 ms or more; without it, well under 1 ms.
      demo.result(last_ms_ > 10, {{"requests", requests_}, {"ms_per_request", last_ms_}},
                  tr("{} requests, {:.3f} ms per request: {}", requests_, last_ms_,
                     last_ms_ > 10 ? tr("the server's answers stalled") : tr("no stall")));
    }
  }

  void both(harness::Demo& demo) override {
    in_both_ = true;
    demo.step(tr("{} requests per server variant; each answer is a 4-byte header and a 50-byte body", requests_));
    std::map<std::string, Measured> results;
    for (current_ = 0; current_ < std::size(kVariants); ++current_) {
      const Variant& v = kVariants[current_];
      demo.say(tr("server writes: {}", label(v)));
      StreamScenario::both(demo);  // a fresh server and connection per variant
      demo.narrate_io(true);
      results[v.name] = {last_ms_, segments_per_answer_};
    }
    demo.step(tr("Milliseconds per request, and TCP segments per answer"));
    for (const auto& v : kVariants) {
      speak::Text padded{fmt::format("{:<26}", v.label), speak::pad(label(v).local, 26)};
      demo.say(tr("{} {:8.3f} ms   {:.1f} segments", padded, results[v.name].ms_per_request,
                  results[v.name].segments_per_answer));
    }
    double ratio = results["two"].ms_per_request / results["one"].ms_per_request;
    demo.say(tr("Two calls are {:.0f} times slower than one write: Nagle holds the body until the header "
                "is ACKed, and the client delays that ACK because it has nothing to send. Linux delays an ACK "
                "by 40 to 200 ms; 40 here, where the round trip is short.",
                ratio));
    demo.say(tr("TCP_NODELAY hides the stall but sends two segments per answer; one write sends one."));
    nlohmann::json facts{{"requests", requests_}, {"ratio_two_calls_to_one_write", ratio}};
    for (const auto& v : kVariants)
      facts[v.name] = {{"ms_per_request", results[v.name].ms_per_request},
                       {"segments_per_answer", results[v.name].segments_per_answer}};
    demo.result(ratio > 10, facts,
                tr("two send() calls: {:.1f} ms per request; one write: {:.3f} ms ({:.0f}x)",
                   results["two"].ms_per_request, results["one"].ms_per_request, ratio));
  }

 private:
  // The calls are code; only "two sends" is words.
  static speak::Text label(const Variant& v) { return speak::Text{v.label, speak::translate(v.label)}; }

  static const Variant& variant(const std::string& name) {
    for (const auto& v : kVariants)
      if (name == v.name) return v;
    return kVariants[0];
  }
  int requests_ = 20;
  std::string write_ = "two";
  bool in_both_ = false;
  std::size_t current_ = 0;
  double last_ms_ = 0;
  double segments_per_answer_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(6, "write-write-read", "Header and body in two send() calls: the 40 ms Nagle / delayed-ACK stall");
  WriteWriteRead scenario;
  return demo.main(argc, argv, scenario);
}
