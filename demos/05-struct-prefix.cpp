// 05 — the fix: a fixed binary length header on every message, written together with its
// body in one call — on the commands and on the answers. Each side reads exactly 4 bytes,
// learns the length, then reads exactly that many. However the stream is cut, in either
// direction — whole, in 1-byte pieces, in random pieces — every command and every answer is
// intact. A hostile server (a negative length, 0x7fffffff, a header cut short) makes the
// client fail at once with one clear line: no 2 GiB allocation, no hang.
//
// The classic Python programs frame only the answers: their server takes whatever one
// recv(1024) returns as one command. --classic does the same (server: commands unframed;
// client: sends them unframed) — the half fix, shown failing in part C when a relay cuts
// the commands — so that those programs and ours talk in either role.
//
// The header is unsigned big-endian (network order) by default; --python-i speaks Python's
// struct.pack('i', n) — 4 bytes, little endian, signed.
#include <fmt/format.h>

#include <map>

#include "harness/commands.hpp"
#include "harness/relay_thread.hpp"
#include "sticky/error.hpp"
#include "speak/command_line.hpp"

namespace {

using namespace std::chrono_literals;
using speak::tr;

const char* const kEvilModes[] = {"negative", "huge", "short"};
const std::vector<std::string> kScript{"seq 400", "echo hi"};

class StructPrefix : public harness::StreamScenario {
 public:
  void add_options(CLI::App& app) override {
    harness::add_command_options(app, commands_, interactive_);
    app.add_flag("--python-i", python_i_, "header as Python's struct.pack('i'): 4 bytes, little endian, signed");
    app.add_flag("--classic", classic_,
                 "the half fix of the classic programs: commands unframed (server: one recv(1024) is one "
                 "command; client: sends them as they are); only the answers have a header");
    app.add_option("--max-frame", max_frame_, "the largest message a side accepts")->capture_default_str();
    app.add_option("--evil", evil_, "server: answer every command with a hostile header")
        ->check(CLI::IsMember({"negative", "huge", "short"}));
  }

  void serve(harness::Demo& demo, harness::Conn& conn) override {
    int now = evil_now_.load();
    std::string evil = now ? kEvilModes[now - 1] : evil_;
    if (evil.empty()) {
      try {
        harness::serve_commands(demo, conn, protocol(classic_ || classic_now_));
      } catch (const sticky::FrameError& e) {
        throw with_hint(demo, conn, e);  // reported by the harness; this connection ends
      }
      return;
    }
    try {
      serve_evil(conn, evil);
    } catch (const sticky::SystemError&) {
      // The client hung up on our lies, unread bytes and all (a reset): just what it should do.
    }
  }

  void serve_evil(harness::Conn& conn, const std::string& evil) {
    while (!conn.recv(1024).empty()) {  // any bytes will do as a command: the answer is a lie
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

  // Role client (and each session of role both): the commands, the answers, and whether
  // each answer is what our server's built-in command prints.
  void client(harness::Demo& demo, const sticky::Address& server) override {
    bool prompt_allowed = demo.options().role == "client" || interactive_;
    harness::CommandSource source(commands_, kScript, prompt_allowed, &demo);
    bool show = demo.options().role == "client" || source.interactive();
    session(demo, server, source, classic_, show);
    if (demo.options().role != "client") return;
    std::vector<bool> match;
    for (std::size_t i = 0; i < asked_.size(); ++i) match.push_back(answers_[i] == harness::run_command(asked_[i]));
    bool all = std::all_of(match.begin(), match.end(), [](bool b) { return b; });
    demo.result(all,
                {{"header", python_i_ ? "python-i" : "u32 big endian"},
                 {"commands_framed", !classic_},
                 {"commands", asked_},
                 {"answer_bytes", sizes(answers_)},
                 {"answers_match_builtin_commands", match}},
                tr("{} of {} answers were whole and what 03's built-in commands print",
                   std::count(match.begin(), match.end(), true), match.size()));
  }

  void both(harness::Demo& demo) override {
    const std::vector<std::string> expected{harness::run_command("seq 400"), "hi\n"};
    auto server = demo.start_local_server(*this);
    demo.step(python_i_ ? tr("Part A: a struct.pack('i') (little-endian, signed) header + body in one send, on "
                             "every command and every answer")
                        : tr("Part A: a 4-byte big-endian header + body in one send, on every command and every "
                             "answer"));
    demo.say(tr("Each side reads what has come and takes out whole frames: exactly 4 header bytes, then exactly "
                "the length they give."));
    run_script(demo, server, false);
    bool direct = answers_ == expected && server_commands(demo) == kScript;

    demo.step(tr("Part B: the same through a relay that cuts both directions into 1-byte pieces"));
    sticky::Shaping pieces;
    pieces.split = 1;
    pieces.pace = 50us;
    sticky::Shaping command_pieces = pieces;
    command_pieces.pace = 500us;  // commands are short: pieces far enough apart to be read one by one
    bool split_ok = through(demo, server, command_pieces, pieces, expected);
    demo.say(tr("1-byte pieces: the server read {}, the client {}: {}", quoted(server_commands(demo)),
                answers_ == expected ? tr("both answers whole") : tr("WRONG answers"),
                split_ok ? tr("intact") : tr("BROKEN")));
    demo.narrate_io(false);
    sticky::Shaping random;
    random.random_seed = 7;
    random.random_max = 64;
    random.pace = 50us;
    bool random_ok = through(demo, server, random, random, expected);
    demo.narrate_io(true);
    demo.say(tr("random pieces of 1..64 bytes (in the trace): {}", random_ok ? tr("intact") : tr("BROKEN")));

    demo.step(tr("Part C: the half fix — answers framed, commands not (--classic), through the same 1-byte relay"));
    demo.say(tr("The classic server takes whatever one recv(1024) returns as one command."));
    demo.narrate_io(false);
    sticky::Shaping slow_pieces = pieces;
    slow_pieces.pace = 20ms;  // each piece of the command its own recv(), even on a busy machine
    classic_now_ = true;
    std::vector<std::string> classic_answers;
    {
      harness::RelayThread relay(server, slow_pieces, pieces);
      auto conn = demo.connect(relay.address());
      classic_answers.push_back(harness::ask(conn, protocol(true), "seq 400"));
      // Hang up and read the answers still coming: one for every piece the server took.
      conn.shutdown_write();
      try {
        while (auto more = conn.read_frame()) classic_answers.push_back(*more);
      } catch (const sticky::FrameError& e) {
        demo.error(speak::localized(e.what()), sticky::Side::client);
      }
    }
    classic_now_ = false;
    demo.narrate_io(true);
    std::vector<std::string> shown;
    for (const auto& a : classic_answers) shown.push_back(speak::preview(a, 30));
    demo.say(tr("One command, `seq 400`, got {} answers: {}", classic_answers.size(),
                fmt::format("{}", fmt::join(shown, ", "))));
    demo.say(tr("The server read each piece as a whole command. Framing only the answers is half a fix: a "
                "message needs its length whichever way it goes."));

    demo.step(tr("Part D: a hostile server"));
    std::map<std::string, std::string> errors;
    for (int i = 0; i < 3; ++i) {
      const char* mode = kEvilModes[i];
      evil_now_ = i + 1;
      try {
        auto conn = demo.connect(server);
        harness::ask(conn, protocol(false), "echo hi");
        errors[mode] = "(no error)";
      } catch (const sticky::FrameError& e) {
        errors[mode] = e.what();
      }
      demo.say(tr("{:<8} -> client: {}", mode, speak::localized(errors[mode])));
    }
    evil_now_ = 0;
    demo.stop_local_server();
    demo.say(tr("`negative` sent 0xffffffff: {}. Each failed at once, before reading a body: the "
                "length is checked before anything is allocated.",
                python_i_ ? tr("read as a signed 32-bit number (struct 'i') that is -1")
                          : tr("read as an unsigned 32-bit number that is 4294967295 (2^32 - 1); read "
                               "signed, as --python-i does, it is -1")));
    bool hostile_refused = std::all_of(errors.begin(), errors.end(), [](auto& e) { return e.second != "(no error)"; });
    bool classic_broken = classic_answers.size() > 1 && classic_answers[0] != expected[0];
    demo.result(direct && split_ok && random_ok && classic_broken && hostile_refused,
                {{"header", python_i_ ? "python-i" : "u32 big endian"},
                 {"commands_framed", true},
                 {"direct_intact", direct},
                 {"split1_intact", split_ok},
                 {"random_split_intact", random_ok},
                 {"split1_commands_read_by_server", split_commands_},
                 {"classic_split1", {{"commands_sent", 1}, {"answers", classic_answers}}},
                 {"hostile_errors", errors}},
                tr("commands and answers intact direct, in 1-byte pieces and in random pieces: {}; "
                   "the half fix (--classic) answered one command {} times; hostile headers refused: {}",
                   direct && split_ok && random_ok ? tr("yes") : tr("no"), classic_answers.size(),
                   hostile_refused ? tr("yes") : tr("no")));
  }

 private:
  harness::CommandProtocol protocol(bool classic) const {
    harness::CommandProtocol p{harness::Protocol::length_prefix,
                               python_i_ ? sticky::LengthOptions::python_i() : sticky::LengthOptions{}};
    p.header.max_frame = max_frame_;
    p.framed_commands = !classic;
    return p;
  }

  static std::vector<std::size_t> sizes(const std::vector<std::string>& v) {
    std::vector<std::size_t> out;
    for (const auto& s : v) out.push_back(s.size());
    return out;
  }

  static speak::Text quoted(const std::vector<std::string>& commands) {
    std::vector<speak::Text> q;
    for (const auto& c : commands) q.push_back(speak::same("`" + c + "`"));
    return speak::join(q, tr(" and "));
  }

  // The commands our server read, as frames, on its newest connection. Each was read before
  // its answer was sent, so once the client has its answers they are all in the trace.
  static std::vector<std::string> server_commands(harness::Demo& demo) {
    std::map<int, std::vector<std::string>> by_conn;
    for (const auto& e : demo.trace().events())
      if (e.op == sticky::Op::frame && e.side == sticky::Side::server && e.conn) by_conn[*e.conn].push_back(e.data);
    return by_conn.empty() ? std::vector<std::string>{} : by_conn.rbegin()->second;
  }

  void session(harness::Demo& demo, const sticky::Address& server, harness::CommandSource& source, bool classic,
               bool show) {
    asked_.clear();
    answers_.clear();
    auto conn = demo.connect(server);
    while (auto command = source.next()) {
      std::string answer;
      try {
        answer = harness::ask(conn, protocol(classic), *command);
      } catch (const sticky::FrameError& e) {
        throw with_hint(demo, conn, e);
      }
      asked_.push_back(*command);
      answers_.push_back(answer);
      if (show) demo.print(answer);
    }
  }

  void run_script(harness::Demo& demo, const sticky::Address& server, bool classic) {
    harness::CommandSource script({}, kScript, false);
    session(demo, server, script, classic, false);
  }

  bool through(harness::Demo& demo, const sticky::Address& server, const sticky::Shaping& up,
               const sticky::Shaping& down, const std::vector<std::string>& expected) {
    harness::RelayThread relay(server, up, down);
    run_script(demo, relay.address(), false);
    auto commands = server_commands(demo);
    if (up.split == 1) split_commands_ = commands;
    return answers_ == expected && commands == kScript;
  }

  // A length that makes no sense is often the wrong codec: say what its bytes would mean.
  sticky::FrameError with_hint(harness::Demo& demo, const harness::Conn& conn, const sticky::FrameError& e) const {
    std::string received;
    for (const auto& ev : demo.trace().events())
      if (ev.op == sticky::Op::recv && ev.side == conn.side() && ev.conn == conn.id()) received += ev.data;
    std::string message = e.what();
    std::string prefix = fmt::format("at byte {}: ", e.offset());
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    if (e.offset() >= received.size()) return e;
    std::string hint =
        speak::length_hint(protocol(false).header, std::string_view(received).substr(e.offset()), false);
    if (hint.empty() || message.find("length") == std::string::npos || message.starts_with("stream ended")) return e;
    return sticky::FrameError(e.offset(), message + " — " + hint);
  }

  std::vector<std::string> commands_;
  bool interactive_ = false;
  bool python_i_ = false;
  bool classic_ = false;
  std::uint64_t max_frame_ = 16u << 20;
  std::string evil_;
  // Role both: set before each connection; the server thread reads them after accept().
  std::atomic<int> evil_now_{0};  // 1 + index into kEvilModes
  std::atomic<bool> classic_now_{false};
  std::vector<std::string> asked_, answers_;
  std::vector<std::string> split_commands_;
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(5, "struct-prefix", "A binary length header on every message, sent with its body in one write: the fix");
  StructPrefix scenario;
  return demo.main(argc, argv, scenario);
}
