// 04 — the classic "low" fix: the server sends the answer's length as ASCII digits, waits
// for "ready", then sends the body; the client reads until it has that many bytes.
//
// It cures the desync of demo 03. It costs a round trip per answer — through a relay that
// adds 20 ms each way, about twice the time of a binary length prefix (demo 05's fix, on
// commands and answers). And it hides a flaw: it trusts one recv() to return exactly the
// digits. A 3-byte send leaves as one segment and arrives whole, on one machine or across a
// network; only something that re-cuts the stream splits it — a proxy or relay, a TLS or
// tunnel layer, a peer that writes the digits in pieces. Part C uses a relay that forwards
// 1-byte pieces: the client reads "1" as the length of a 141-byte answer and falls out of step.
#include <fmt/format.h>

#include <chrono>

#include "harness/commands.hpp"
#include "harness/relay_thread.hpp"
#include "speak/command_line.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using speak::tr;

const harness::CommandProtocol kNaive{harness::Protocol::naive, {}};
const harness::CommandProtocol kPrefix{harness::Protocol::length_prefix, {}};  // demo 05: both directions framed

class NaiveHandshake : public harness::StreamScenario {
 public:
  void add_options(CLI::App& app) override {
    harness::add_command_options(app, commands_, interactive_);
    app.add_option("--rounds", rounds_, "role both: commands per protocol for the timing")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
  }

  void serve(harness::Demo& demo, harness::Conn& conn) override {
    harness::serve_commands(demo, conn, server_prefix_ ? kPrefix : kNaive);
  }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    bool prompt_allowed = demo.options().role == "client" || interactive_;
    harness::CommandSource source(commands_, {"seq 400", "echo hi"}, prompt_allowed, &demo);
    auto conn = demo.connect(server);
    std::vector<std::string> asked;
    answers_.clear();
    while (auto command = source.next()) {
      std::string answer = harness::ask(conn, kNaive, *command);
      asked.push_back(*command);
      answers_.push_back(answer);
      if (source.interactive() || demo.options().role == "client") demo.print(answer);
    }
    if (demo.options().role != "client") return;
    std::vector<bool> match;
    for (std::size_t i = 0; i < asked.size(); ++i) match.push_back(answers_[i] == harness::run_command(asked[i]));
    demo.result(std::all_of(match.begin(), match.end(), [](bool b) { return b; }),
                {{"commands", asked}, {"answers_match_builtin_commands", match}},
                tr("{} of {} answers were whole and what the built-in commands print",
                   std::count(match.begin(), match.end(), true), match.size()));
  }

  void both(harness::Demo& demo) override {
    demo.step(tr("Part A: length as text, \"ready\", then the body"));
    auto server = demo.start_local_server(*this);
    client(demo, server);
    bool fixed = answers_ == std::vector<std::string>{harness::run_command("seq 400"), "hi\n"};
    demo.say(fixed ? tr("Both answers are whole and in step: the client knew how many bytes to wait for.")
                   : tr("The answers were not what the commands print."));

    demo.step(tr("Part B: the cost, through a relay that adds 20 ms each way ({} × `seq 400`)", rounds_));
    sticky::Shaping latency;
    latency.delay = 20ms;
    double naive_ms, prefix_ms;
    {
      harness::RelayThread relay(server, latency, latency);
      demo.narrate_io(false);
      naive_ms = time_per_command(demo, relay.address(), false);
      prefix_ms = time_per_command(demo, relay.address(), true);
      demo.narrate_io(true);
    }
    double ratio = naive_ms / prefix_ms;
    demo.say(tr("naive handshake: {:6.1f} ms per command (2 round trips: command, length; ready, body)", naive_ms));
    demo.say(tr("length prefix:   {:6.1f} ms per command (1 round trip: command; header + body)", prefix_ms));
    demo.say(tr("ratio {:.2f}: the handshake doubles the latency of every answer.", ratio));

    demo.step(tr("Part C: the hidden flaw — a relay that re-cuts the stream delivers the answers in 1-byte pieces"));
    demo.say(tr("A 3-byte send() leaves as one segment and arrives whole, here or across a network. It arrives "
                "in pieces only when something between the programs re-cuts the stream: a proxy or relay, a TLS "
                "or tunnel layer, or a peer that writes the digits one by one."));
    sticky::Shaping pieces;
    pieces.split = 1;
    pieces.pace = 2000us;
    bool naive_intact, prefix_intact;
    std::string naive_first;
    {
      harness::RelayThread relay(server, {}, pieces);
      auto [intact, first] = flaw(demo, relay.address(), false);
      naive_intact = intact;
      naive_first = first;
      demo.say(tr("Now the length-prefix client, through the same relay (its recvs are in the trace):"));
      demo.narrate_io(false);
      prefix_intact = flaw(demo, relay.address(), true).first;
      demo.narrate_io(true);
    }
    demo.stop_local_server();
    demo.say(tr("The naive client read {} as the whole length: one recv() returned only part of the digits.",
                speak::preview(naive_first, 20)));
    demo.say(tr("Every answer after that is a piece of an earlier one: the client is out of step."));
    demo.say(prefix_intact ? tr("The length-prefix client took exactly 4 header bytes, then exactly the body, from "
                                "however many recvs they came in: intact.")
                           : tr("The length-prefix client failed too (unexpected)."));
    demo.result(fixed && ratio > 1.5 && !naive_intact && prefix_intact,
                {{"desync_fixed", fixed},
                 {"naive_ms_per_command", naive_ms},
                 {"prefix_ms_per_command", prefix_ms},
                 {"ratio", ratio},
                 {"split_naive_intact", naive_intact},
                 {"split_prefix_intact", prefix_intact},
                 {"split_naive_first_recv", naive_first}},
                tr("handshake fixes the desync; costs {:.2f}x the length prefix through a 20 ms relay; "
                   "with 1-byte pieces the naive client {} and the prefix client {}",
                   ratio, naive_intact ? tr("survived") : tr("misread the length"),
                   prefix_intact ? tr("stayed intact") : tr("failed")));
  }

 private:
  double time_per_command(harness::Demo& demo, const sticky::Address& relay, bool prefix) {
    server_prefix_ = prefix;
    auto conn = demo.connect(relay);
    const std::string expected = harness::run_command("seq 400");
    auto start = Clock::now();
    for (int i = 0; i < rounds_; ++i)
      if (harness::ask(conn, prefix ? kPrefix : kNaive, "seq 400") != expected)
        throw std::runtime_error(tr("an answer came back wrong through the delaying relay").english);
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / rounds_;
  }

  // Asks `seq 50` (141 bytes) and `echo hi`; returns whether both answers were right, and
  // what the client's first recv of the length returned.
  std::pair<bool, std::string> flaw(harness::Demo& demo, const sticky::Address& relay, bool prefix) {
    server_prefix_ = prefix;
    auto conn = demo.connect(relay);
    auto before = demo.trace().events().size();
    bool intact = true;
    try {
      // Both commands are asked whatever the first answer was, to show what follows a misread.
      bool first_ok = harness::ask(conn, prefix ? kPrefix : kNaive, "seq 50") == harness::run_command("seq 50");
      bool second_ok = harness::ask(conn, prefix ? kPrefix : kNaive, "echo hi") == "hi\n";
      intact = first_ok && second_ok;
    } catch (const std::exception& e) {
      auto what = speak::localized(e.what());
      demo.error(prefix ? tr("length-prefix client: {}", what) : tr("naive client: {}", what), sticky::Side::client);
      intact = false;
    }
    std::string first;
    auto events = demo.trace().events();
    for (auto i = before; i < events.size(); ++i)
      if (events[i].side == sticky::Side::client && events[i].op == sticky::Op::recv) {
        first = events[i].data;
        break;
      }
    return {intact, first};
  }

  std::vector<std::string> commands_;
  bool interactive_ = false;
  int rounds_ = 5;
  std::atomic<bool> server_prefix_{false};
  std::vector<std::string> answers_;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(4, "naive-handshake", "Length as text, wait for \"ready\", then the body: fixes desync, costs a round trip");
  NaiveHandshake scenario;
  return demo.main(argc, argv, scenario);
}
