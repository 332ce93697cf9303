// The remote-command program of the classic lessons (demos 03, 04, 05), without a shell:
// the server knows a few built-in commands and answers each with its output, using one of
// three protocols — none (the desync), the naive length + "ready" handshake, or a binary
// length prefix written with the body in one call: on the answers only, as the classic
// programs do (the half fix), or on the commands too (the fix).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/demo.hpp"
#include "speak/narrator.hpp"
#include "sticky/bytes.hpp"
#include "sticky/codec.hpp"

namespace harness {

// The harness speaks through the speaking layer: tr(), Text, the narrator.
using namespace speak;

// help, seq N, echo TEXT, lorem N, ifconfig; anything else: "command not found: X".
// Never empty: an empty answer would leave a recv(1024) client waiting forever.
std::string run_command(std::string_view line);
inline constexpr std::string_view kEmptyAnswer = "(the command printed nothing)\n";

enum class Protocol { raw, naive, length_prefix };

struct CommandProtocol {
  Protocol protocol = Protocol::raw;
  sticky::LengthOptions header;  // for length_prefix
  // length_prefix: commands framed too. false: the classic programs' half fix — the server
  // takes what one recv(1024) returns as one command, whatever cut the stream.
  bool framed_commands = true;
  std::chrono::milliseconds run_time{0};    // server: how long running a command takes
  // server: how long it is busy after each answer before it reads the next command (another
  // client, a log to write, a loaded machine); commands sent meanwhile wait in its buffer.
  std::chrono::milliseconds busy_after_answer{0};
  std::function<void(const std::string&)> on_command{};  // server: each command as it was read
  std::chrono::milliseconds read_delay{0};  // client: how long after sending it reads
};

// Serves commands on one connection until the client closes it.
void serve_commands(Demo& demo, Conn& conn, const CommandProtocol& protocol);

// Sends one command and returns the answer as this client understands it.
// Throws sticky::FrameError for an answer it cannot frame (a hostile or confused server).
std::string ask(Conn& conn, const CommandProtocol& protocol, std::string_view command);

// What a stream of answers read without framing holds: which command's output each recv
// returned, assuming the server is ours (its built-in commands, run_command()). A recv
// holding exactly its own command's output is in step; the others are described by where
// their bytes came from: "the end of answer 1 (`seq 400`) + all of answer 2 (`echo hi`)".
struct AnswerOrigin {
  bool in_step = false;
  bool known = true;     // false: the bytes are not what our built-in commands print
  Text from;             // "the end of answer 1 (`seq 400`)", in both languages
  std::vector<std::size_t> commands;  // indexes of the commands whose output it holds
};
std::vector<AnswerOrigin> trace_answers(const std::vector<std::string>& commands,
                                        const std::vector<std::string>& answers);

// Where a client's commands come from: --command, else a terminal prompt (when allowed),
// else stdin lines, else the default script. With `demo`, the prompt waits for the
// narration to be out, and --step does not read Enter while the prompt reads commands.
class CommandSource {
 public:
  CommandSource(std::vector<std::string> given, std::vector<std::string> script, bool prompt_allowed,
                Demo* demo = nullptr);
  std::optional<std::string> next();  // nullopt: no more ("quit" at the prompt ends too)
  bool interactive() const { return interactive_; }

 private:
  std::vector<std::string> queue_;
  Demo* demo_ = nullptr;
  std::size_t at_ = 0;
  bool interactive_ = false;
  bool from_stdin_ = false;
};

void add_command_options(CLI::App& app, std::vector<std::string>& commands, bool& interactive);

}  // namespace harness
