// 03 — the classic remote-command program, with no framing: the answer to `seq 400` is
// 1,492 bytes, the client reads it with one recv(1024), and the 468 bytes left over are
// what its *next* recv returns — so the answer to `echo hi` starts with the tail of
// `seq 400` (粘包 across commands).
//
// What happens after that is a race between the client's next recv and the server's next
// answer, and the demo shows both outcomes:
// Part A: the client reads as soon as it has sent, as the classic program does, and the
// server takes a moment to run each command (a real one starts a shell). The leftover bytes
// are already waiting, so recv returns them at once; `hi\n` comes later and is left over in
// turn: the answer to `echo bye` is `hi\n`. The client stays one answer behind.
// Part B: the client reads 50 ms after sending. By then `hi\n` has come too, one recv takes
// the 468 leftover bytes and `hi\n` together (471 bytes), nothing is left over, and the
// answer to `echo bye` is right: back in step, after one wrong answer.
// Part C: the commands stick together too. `lorem 5000` leaves 3,976 bytes over, so the
// answers to the next four commands are already in the client's buffer: each recv returns
// at once and the client sends the next command at once — while the server, busy for
// 200 ms after each answer, has not read the last. Its one recv(1024) returns four
// `echo hi` (28 bytes), and it runs them as one command (粘包, from client to server).
//
// The server runs built-in commands only (help, seq N, echo TEXT, lorem N, ifconfig):
// a demo must never run a shell on behalf of a peer.
#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "harness/commands.hpp"
#include "speak/command_line.hpp"

namespace {

using namespace std::chrono_literals;
using speak::tr;

const std::vector<std::string> kScript{"seq 400", "echo hi", "echo bye"};
const std::vector<std::string> kScriptC{"lorem 5000", "echo hi", "echo hi", "echo hi", "echo hi"};
constexpr int kTypingMs = 30;
constexpr int kBusyMs = 200;  // part C: the server's pause after each answer

class CommandDesync : public harness::StreamScenario {
 public:
  void add_options(CLI::App& app) override {
    harness::add_command_options(app, commands_, interactive_);
    app.add_option("--run-ms", run_ms_, "server: milliseconds each command takes to run (a shell takes a few)")
        ->check(CLI::Range(0, 10000))
        ->capture_default_str();
    app.add_option("--read-late", read_late_ms_,
                   "client: milliseconds between sending a command and reading its answer (commands from "
                   "--command are sent 30 ms after the previous answer, as if typed)")
        ->check(CLI::Range(0, 10000))
        ->capture_default_str();
    app.add_option("--busy-ms", busy_ms_,
                   "server: milliseconds it is busy after each answer before it reads the next command "
                   "(commands sent meanwhile stick together)")
        ->check(CLI::Range(0, 10000))
        ->capture_default_str();
  }

  void serve(harness::Demo& demo, harness::Conn& conn) override {
    harness::CommandProtocol protocol{harness::Protocol::raw, {}};
    protocol.run_time = std::chrono::milliseconds(run_ms_);
    int busy = part_c_busy_ms_.load();
    protocol.busy_after_answer = std::chrono::milliseconds(busy >= 0 ? busy : busy_ms_);
    protocol.on_command = [this](const std::string& command) {
      std::lock_guard lock(server_read_mutex_);
      server_read_.push_back(command);
    };
    harness::serve_commands(demo, conn, protocol);
  }

  // Role client: the session, then what each answer really held (if the server is ours).
  void client(harness::Demo& demo, const sticky::Address& server) override {
    bool prompt_allowed = demo.options().role == "client" || interactive_;
    harness::CommandSource source(commands_, kScript, prompt_allowed, &demo);
    session(demo, server, source, read_late_ms_, demo.options().role == "client" || source.interactive(), kTypingMs);
    if (demo.options().role != "client") return;
    demo.step(tr("What each recv(1024) returned (compared with what 03's server prints)"));
    explain(demo);
    auto facts = facts_of();
    demo.result(!all_in_step(), facts, summary());
  }

  void both(harness::Demo& demo) override {
    auto server = demo.start_local_server(*this);
    if (!commands_.empty() || interactive_) {
      demo.step(tr("Commands answered with no framing, each answer read with one recv(1024)"));
      if (!commands_.empty())
        demo.say(tr("The client sends {}, and reads each answer with one recv(1024).", quoted(commands_)));
      harness::CommandSource source(commands_, kScript, interactive_, &demo);
      session(demo, server, source, read_late_ms_, source.interactive(), kTypingMs);
      demo.stop_local_server();
      demo.step(tr("What each recv(1024) returned"));
      explain(demo);
      demo.result(!all_in_step(), facts_of(), summary());
      return;
    }

    demo.step(tr("Part A: the client reads as soon as it has sent; the server takes {} ms to run a command", run_ms_));
    demo.say(tr("`seq 400` prints 1,492 bytes; `echo hi` 3; `echo bye` 4."));
    harness::CommandSource script_a({}, kScript, false);
    session(demo, server, script_a, 0, false, kTypingMs);
    explain(demo);
    auto part_a = facts_of();
    auto answers_a = answers_;
    demo.say(tr("The leftover bytes were waiting, so each recv returned at once with the previous answer: the client "
                "stays one answer behind for as long as it reads this way."));

    demo.step(tr("Part B: the same commands; the client reads 50 ms after sending"));
    harness::CommandSource script_b({}, kScript, false);
    session(demo, server, script_b, 50, false, kTypingMs);
    explain(demo);
    auto part_b = facts_of();
    auto answers_b = answers_;
    demo.say(tr("By the time it read, `hi\\n` had come too: one recv took the 468 leftover bytes and `hi\\n` "
                "together, nothing was left over, and the next answer was right. Which of the two happens is a race "
                "between the client's recv and the server's answer. Nothing in the bytes says where an answer ends: "
                "demos 04 and 05 add that."));

    auto part_c = part_c_session(demo, server);
    demo.stop_local_server();
    bool stuck = false;
    for (const auto& n : part_c["commands_per_server_read"]) stuck = stuck || n.get<int>() > 1;

    std::string expected_first = harness::run_command("seq 400");
    bool tail_first = answers_a.size() == 3 && answers_a[0].size() == 1024 &&
                      answers_a[1].starts_with(std::string_view(expected_first).substr(1024));
    bool behind = answers_a.size() == 3 && answers_a[1].size() == 468 && answers_a[2] == "hi\n";
    bool caught_up = answers_b.size() == 3 && answers_b[1] == expected_first.substr(1024) + "hi\n" &&
                     answers_b[2] == "bye\n";
    demo.result(tail_first && behind && caught_up && stuck,
                {{"first_answer_bytes", expected_first.size()},
                 {"first_recv_bytes", answers_a.empty() ? 0 : answers_a[0].size()},
                 {"second_recv_bytes", answers_a.size() > 1 ? answers_a[1].size() : 0},
                 {"second_starts_with_first_tail", tail_first},
                 {"second_expected", "hi\n"},
                 {"run_ms", run_ms_},
                 {"reads_at_once", part_a},
                 {"reads_late", part_b},
                 {"server_reads_late", part_c}},
                tr("`echo hi` was answered with the last {} of `seq 400`; reading at once, the answer to "
                   "`echo bye` was {}; reading 50 ms late, {}",
                   speak::byte_count(answers_a.size() > 1 ? answers_a[1].size() : 0),
                   speak::preview(answers_a.size() > 2 ? answers_a[2] : "", 12),
                   speak::preview(answers_b.size() > 2 ? answers_b[2] : "", 12)));
  }

 private:
  static std::string quoted(const std::vector<std::string>& commands) {
    std::vector<std::string> q;
    for (const auto& c : commands) q.push_back("`" + c + "`");
    return fmt::format("{}", fmt::join(q, ", "));
  }

  // Part C: the server reads late, and the client sends commands whose answers it already has.
  nlohmann::json part_c_session(harness::Demo& demo, const sticky::Address& server) {
    demo.step(tr("Part C: the server reads late; the client sends commands whose answers it already has"));
    demo.say(tr("`lorem 5000` prints 5,000 bytes; then `echo hi`, four times. The server is busy for {} ms after "
                "each answer before it reads the next command; the client sends each command as soon as it has "
                "an answer, as the Python client does.",
                kBusyMs));
    {
      std::lock_guard lock(server_read_mutex_);
      server_read_.clear();
    }
    part_c_busy_ms_ = kBusyMs;
    harness::CommandSource script({}, kScriptC, false);
    session(demo, server, script, 0, false, 0);
    part_c_busy_ms_ = -1;
    explain(demo);
    std::vector<std::string> read;
    {
      std::lock_guard lock(server_read_mutex_);
      read = server_read_;
    }
    // How many of the client's commands each of the server's recvs held (0: not whole ones).
    std::vector<int> per_read;
    std::size_t next = 0;
    for (const auto& r : read) {
      std::string joined;
      int n = 0;
      while (next < asked_.size() && joined.size() < r.size()) {
        joined += asked_[next++];
        ++n;
      }
      per_read.push_back(joined == r ? n : 0);
      if (n > 1 && joined == r)
        demo.say(tr("The server's one recv(1024) returned {}: {} commands stuck together (粘包, from the client to "
                    "the server), so it ran `{}` as one command and answered {}.",
                    speak::preview(r, 40), n, r, speak::preview(harness::run_command(r), 40)));
    }
    demo.say(tr("Every answer the client asked for was already in its buffer (the rest of `lorem 5000`), so it "
                "never waited for the server and sent the next command at once. A short command arrives whole "
                "only if the server reads it before the next one comes: nothing in the bytes says where a "
                "command ends either."));
    auto facts = facts_of();
    facts.erase("answers");  // 5,000 bytes of lorem ipsum; recv_bytes says what matters
    facts["server_busy_ms"] = kBusyMs;
    facts["server_read"] = read;
    facts["commands_per_server_read"] = per_read;
    return facts;
  }

  void session(harness::Demo& demo, const sticky::Address& server, harness::CommandSource& source, int read_late,
               bool show_answers, int typing_ms) {
    harness::CommandProtocol protocol{harness::Protocol::raw, {}};
    protocol.read_delay = std::chrono::milliseconds(read_late);
    asked_.clear();
    answers_.clear();
    auto conn = demo.connect(server);
    while (auto command = source.next()) {
      // Like a person at the >> prompt, the next command comes a moment after the last answer.
      // Sent at once, it could reach the server together with the previous one, and the
      // server — which takes one recv(1024) as one command — would run "echo hiecho bye".
      if (!asked_.empty() && !source.interactive() && typing_ms)
        std::this_thread::sleep_for(std::chrono::milliseconds(typing_ms));
      std::string answer = harness::ask(conn, protocol, *command);
      if (answer.empty()) {
        demo.error(tr("the server closed the connection"), sticky::Side::client);
        break;
      }
      asked_.push_back(*command);
      answers_.push_back(answer);
      if (show_answers) demo.print(answer);
    }
    // Hang up politely and read what is still coming: an answer nobody will ask for now.
    conn.shutdown_write();
    left_over_.clear();
    for (auto piece = conn.recv(1024, 10000ms); !piece.empty(); piece = conn.recv(1024, 10000ms)) left_over_ += piece;
    if (!left_over_.empty())
      demo.say(tr("After the last command, {} were still on their way: {}", speak::byte_count(left_over_.size()),
                  speak::preview(left_over_, 40)));
  }

  void explain(harness::Demo& demo) {
    auto origins = harness::trace_answers(asked_, answers_);
    for (std::size_t i = 0; i < origins.size(); ++i)
      demo.say(origins[i].in_step ? tr("recv {} (after `{}`): {} = {} — in step", i + 1, asked_[i],
                                       speak::byte_count(answers_[i].size()), origins[i].from)
                                  : tr("recv {} (after `{}`): {} = {}", i + 1, asked_[i],
                                       speak::byte_count(answers_[i].size()), origins[i].from));
  }

  bool all_in_step() const {
    auto origins = harness::trace_answers(asked_, answers_);
    return std::all_of(origins.begin(), origins.end(), [](const auto& o) { return o.in_step; });
  }

  nlohmann::json facts_of() const {
    auto origins = harness::trace_answers(asked_, answers_);
    std::vector<std::size_t> sizes;
    std::vector<bool> in_step;
    for (std::size_t i = 0; i < answers_.size(); ++i) {
      sizes.push_back(answers_[i].size());
      in_step.push_back(origins[i].in_step);
    }
    return {{"commands", asked_},
            {"recv_bytes", sizes},
            {"in_step", in_step},
            {"answers", answers_},
            {"left_over", left_over_}};
  }

  speak::Text summary() const {
    auto origins = harness::trace_answers(asked_, answers_);
    std::size_t good = 0;
    for (const auto& o : origins) good += o.in_step;
    return tr("{} of {} answers were their own command's whole output", good, origins.size());
  }

  std::vector<std::string> commands_;
  bool interactive_ = false;
  int run_ms_ = 10;
  int read_late_ms_ = 0;
  int busy_ms_ = 0;
  std::atomic<int> part_c_busy_ms_{-1};  // part C's server pause; -1: --busy-ms
  std::mutex server_read_mutex_;
  std::vector<std::string> server_read_;  // each command as the server read it
  std::vector<std::string> asked_, answers_;
  std::string left_over_;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(3, "command-desync", "A remote-command client with recv(1024) and no framing falls out of step");
  CommandDesync scenario;
  return demo.main(argc, argv, scenario);
}
