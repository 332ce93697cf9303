// 03 — the classic remote-command program, with no framing: the answer to `seq 400` is
// 1,492 bytes, the client reads it with one recv(1024), and the 468 bytes left over are
// what its *next* recv returns — so the answer to `echo hi` starts with the tail of
// `seq 400`. The client and the server are out of step (粘包 across commands).
//
// The server runs built-in commands only (help, seq N, echo TEXT, lorem N, ifconfig):
// a demo must never run a shell on behalf of a peer.
#include <fmt/format.h>

#include "harness/commands.hpp"

namespace {

const harness::CommandProtocol kProtocol{harness::Protocol::raw, {}};

class CommandDesync : public harness::StreamScenario {
 public:
  void add_options(CLI::App& app) override { harness::add_command_options(app, commands_, interactive_); }

  void serve(harness::Demo& demo, harness::Conn& conn) override { harness::serve_commands(demo, conn, kProtocol); }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    bool prompt_allowed = demo.options().role == "client" || interactive_;
    harness::CommandSource source(commands_, {"seq 400", "echo hi"}, prompt_allowed);
    auto conn = demo.connect(server);
    while (auto command = source.next()) {
      std::string answer = harness::ask(conn, kProtocol, *command);
      if (answer.empty()) {
        demo.error("the server closed the connection", sticky::Side::client);
        break;
      }
      asked_.push_back(*command);
      answers_.push_back(answer);
      if (!demo.options().json && (source.interactive() || demo.options().role == "client"))
        fmt::print("{}", answer);
    }
  }

  void both(harness::Demo& demo) override {
    demo.step("Two commands, answers read with recv(1024), no framing");
    demo.say("The client sends `seq 400` (a 1,492-byte answer), then `echo hi` (3 bytes).");
    StreamScenario::both(demo);
    if (asked_ != std::vector<std::string>{"seq 400", "echo hi"}) {
      demo.result(false, {{"commands", asked_}}, "custom commands: nothing to compare");
      return;
    }
    std::string expected_first = harness::run_command("seq 400");
    bool desync = answers_.size() == 2 && answers_[0].size() == 1024 &&
                  answers_[1].starts_with(std::string_view(expected_first).substr(1024, 16)) &&
                  answers_[1] != "hi\n";
    demo.step("What happened");
    demo.say(fmt::format("The answer to `seq 400` had {} bytes; recv(1024) took {} of them.", expected_first.size(),
                         answers_[0].size()));
    demo.say("The rest stayed in the client's receive buffer, so the answer to `echo hi` began with it:");
    demo.say(fmt::format("  {}", harness::preview(answers_[1], 60)));
    demo.say("Nothing tells the client where one answer ends. Demos 04 and 05 add that.");
    demo.result(desync,
                {{"first_answer_bytes", expected_first.size()},
                 {"first_recv_bytes", answers_[0].size()},
                 {"second_recv_bytes", answers_[1].size()},
                 {"second_starts_with_first_tail", desync},
                 {"second_expected", "hi\n"}},
                fmt::format("`echo hi` was answered with {} bytes starting \"{}\"", answers_[1].size(),
                            sticky::printable(answers_[1].substr(0, 12))));
  }

 private:
  std::vector<std::string> commands_;
  bool interactive_ = false;
  std::vector<std::string> asked_, answers_;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(3, "command-desync", "A remote-command client with recv(1024) and no framing falls out of step");
  CommandDesync scenario;
  return demo.main(argc, argv, scenario);
}
