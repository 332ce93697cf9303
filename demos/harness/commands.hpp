// The remote-command program of the classic lessons (demos 03, 04, 05), without a shell:
// the server knows a few built-in commands and answers each with its output, using one of
// three protocols — none (the desync), the naive length + "ready" handshake, or a binary
// length prefix written with the body in one call.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/demo.hpp"
#include "harness/narrator.hpp"
#include "sticky/bytes.hpp"
#include "sticky/codec.hpp"

namespace harness {

// help, seq N, echo TEXT, lorem N, ifconfig; anything else: "command not found: X".
// Never empty: an empty answer would leave a recv(1024) client waiting forever.
std::string run_command(std::string_view line);
inline constexpr std::string_view kEmptyAnswer = "(the command printed nothing)\n";

enum class Protocol { raw, naive, length_prefix };

struct CommandProtocol {
  Protocol protocol = Protocol::raw;
  sticky::LengthOptions header;  // for length_prefix
};

// Serves commands on one connection until the client closes it.
void serve_commands(Demo& demo, Conn& conn, const CommandProtocol& protocol);

// Sends one command and returns the answer as this client understands it.
// Throws sticky::FrameError for an answer it cannot frame (a hostile or confused server).
std::string ask(Conn& conn, const CommandProtocol& protocol, std::string_view command);

// Where a client's commands come from: --command, else a terminal prompt (when allowed),
// else stdin lines, else the default script.
class CommandSource {
 public:
  CommandSource(std::vector<std::string> given, std::vector<std::string> script, bool prompt_allowed);
  std::optional<std::string> next();  // nullopt: no more ("quit" at the prompt ends too)
  bool interactive() const { return interactive_; }

 private:
  std::vector<std::string> queue_;
  std::size_t at_ = 0;
  bool interactive_ = false;
  bool from_stdin_ = false;
};

void add_command_options(CLI::App& app, std::vector<std::string>& commands, bool& interactive);

}  // namespace harness
