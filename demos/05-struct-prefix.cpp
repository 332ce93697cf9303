// 05 — the fix: a fixed binary length header, written together with the body in one call.
// The client reads exactly 4 bytes, learns the length, then reads exactly that many.
// However the stream is cut — whole, in 1-byte pieces, in random pieces — every answer is
// intact. A hostile server (a negative length, 0x7fffffff, a header cut short) makes the
// client fail at once with one clear line: no 2 GiB allocation, no hang.
//
// The header is unsigned big-endian (network order) by default; --python-i speaks Python's
// struct.pack('i', n) — 4 bytes, little endian, signed — so the classic Python client and
// server interoperate with ours in either role.
#include <fmt/format.h>

#include "harness/commands.hpp"
#include "harness/relay_thread.hpp"
#include "sticky/error.hpp"

namespace {

using namespace std::chrono_literals;

const char* const kEvilModes[] = {"negative", "huge", "short"};

class StructPrefix : public harness::StreamScenario {
 public:
  void add_options(CLI::App& app) override {
    harness::add_command_options(app, commands_, interactive_);
    app.add_flag("--python-i", python_i_, "header as Python's struct.pack('i'): 4 bytes, little endian, signed");
    app.add_option("--max-frame", max_frame_, "client: the largest answer it accepts")->capture_default_str();
    app.add_option("--evil", evil_, "server: answer every command with a hostile header")
        ->check(CLI::IsMember({"negative", "huge", "short"}));
  }

  void serve(harness::Demo& demo, harness::Conn& conn) override {
    int now = evil_now_.load();
    std::string evil = now ? kEvilModes[now - 1] : evil_;
    if (evil.empty()) return harness::serve_commands(demo, conn, protocol());
    try {
      serve_evil(conn, evil);
    } catch (const sticky::SystemError&) {
      // The client hung up on our lies, unread bytes and all (a reset): just what it should do.
    }
  }

  void serve_evil(harness::Conn& conn, const std::string& evil) {
    while (!conn.recv(1024).empty()) {
      auto header = [&](std::uint32_t value) {
        std::string h(4, '\0');
        for (int i = 0; i < 4; ++i) h[static_cast<std::size_t>(i)] = static_cast<char>(value >> (python_i_ ? 8 * i : 8 * (3 - i)));
        return h;
      };
      if (evil == "negative") conn.send(header(0xffffffffu) + "x");
      else if (evil == "huge") conn.send(header(0x7fffffffu) + "x");
      else {
        conn.send(header(5).substr(0, 2));
        return;  // and close: the header stays cut short
      }
    }
  }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    bool prompt_allowed = demo.options().role == "client" || interactive_;
    harness::CommandSource source(commands_, {"seq 400", "echo hi"}, prompt_allowed);
    auto conn = demo.connect(server);
    answers_.clear();
    while (auto command = source.next()) {
      std::string answer = harness::ask(conn, protocol(), *command);
      answers_.push_back(answer);
      if (!demo.options().json && (source.interactive() || demo.options().role == "client"))
        fmt::print("{}", answer);
    }
  }

  void both(harness::Demo& demo) override {
    const std::vector<std::string> expected{harness::run_command("seq 400"), "hi\n"};
    auto server = demo.start_local_server(*this);
    demo.step(fmt::format("Part A: {} header + body in one send; the client reads exactly 4, then exactly N",
                          python_i_ ? "a struct.pack('i') (little-endian)" : "a 4-byte big-endian"));
    client(demo, server);
    bool direct = answers_ == expected;

    demo.step("Part B: the same through a relay that cuts the answers into 1-byte pieces");
    demo.narrate_io(false);
    sticky::Shaping pieces;
    pieces.split = 1;
    pieces.pace = 50us;
    bool split_ok = through(demo, server, pieces, expected);
    demo.say(fmt::format("1-byte pieces: answers {}", split_ok ? "intact" : "BROKEN"));
    sticky::Shaping random;
    random.random_seed = 7;
    random.random_max = 64;
    random.pace = 50us;
    bool random_ok = through(demo, server, random, expected);
    demo.say(fmt::format("random pieces of 1..64 bytes: answers {}", random_ok ? "intact" : "BROKEN"));
    demo.narrate_io(true);

    demo.step("Part C: a hostile server");
    std::map<std::string, std::string> errors;
    for (int i = 0; i < 3; ++i) {
      const char* mode = kEvilModes[i];
      evil_now_ = i + 1;
      try {
        auto conn = demo.connect(server);
        harness::ask(conn, protocol(), "echo hi");
        errors[mode] = "(no error)";
      } catch (const sticky::FrameError& e) {
        errors[mode] = e.what();
      }
      demo.say(fmt::format("{:<8} -> client: {}", mode, errors[mode]));
    }
    evil_now_ = 0;
    demo.stop_local_server();
    demo.say("Each failed at once, before reading a body: the length is checked before anything is allocated.");
    bool hostile_refused = std::all_of(errors.begin(), errors.end(), [](auto& e) { return e.second != "(no error)"; });
    demo.result(direct && split_ok && random_ok && hostile_refused,
                {{"header", python_i_ ? "python-i" : "u32 big endian"},
                 {"direct_intact", direct},
                 {"split1_intact", split_ok},
                 {"random_split_intact", random_ok},
                 {"hostile_errors", errors}},
                fmt::format("answers intact direct, in 1-byte pieces and in random pieces: {}; hostile headers "
                            "refused: {}",
                            direct && split_ok && random_ok ? "yes" : "no", hostile_refused ? "yes" : "no"));
  }

 private:
  harness::CommandProtocol protocol() const {
    harness::CommandProtocol p{harness::Protocol::length_prefix,
                               python_i_ ? sticky::LengthOptions::python_i() : sticky::LengthOptions{}};
    p.header.max_frame = max_frame_;
    return p;
  }

  bool through(harness::Demo& demo, const sticky::Address& server, const sticky::Shaping& shaping,
               const std::vector<std::string>& expected) {
    harness::RelayThread relay(server, {}, shaping);
    client(demo, relay.address());
    return answers_ == expected;
  }

  std::vector<std::string> commands_;
  bool interactive_ = false;
  bool python_i_ = false;
  std::uint64_t max_frame_ = 16u << 20;
  std::string evil_;
  // Role both, part C: 1 + index into kEvilModes, set before each connection; the server
  // thread reads it after accept().
  std::atomic<int> evil_now_{0};
  std::vector<std::string> answers_;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(5, "struct-prefix", "A binary length header sent with the body in one write: the fix");
  StructPrefix scenario;
  return demo.main(argc, argv, scenario);
}
