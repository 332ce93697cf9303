// sticky-check — prove your framing. The same conversation twice whole, then cut in every
// way that matters: header split, header and body apart, body split, 1-byte pieces, messages
// glued together (粘包), all in one write, seeded random cuts. Whatever differs from the
// whole runs is a framing bug; the failing cut is shrunk and its story told.
//
//   sticky-check server --port 9000 -- python3 server.py 9000     the program is the server
//   sticky-check server --connect 127.0.0.1:9000                  a server already running
//   sticky-check client --listen 9100 --upstream :9005 -- python3 client.py 9100
//
// Exit status: 0 passed, 1 broken, 2 a usage error, 3 cannot tell (the reference run failed,
// the program or its server was not there, or the evidence is not enough). This file is
// the command line; the engine is tools/check/ (check.hpp: one call, options in, verdict out).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "check/check.hpp"
#include "check/program.hpp"
#include "check/progress.hpp"
#include "check/report.hpp"
#include "speak/command_line.hpp"
#include "speak/text.hpp"

namespace {

using speak::tr;

const char* const kProgram = "sticky-check";

const char* const kExamples = R"(
Examples:
  sticky-check server --port 9000 -- python3 server.py 9000
      start the student's server, check it, stop it
  sticky-check server --port 0 -- python3 server.py {port}
      the OS picks a free port; {port} in the command becomes it
  sticky-check server --connect 127.0.0.1:9005 --python-i --message hi
      check a server already running, struct.pack('i') headers
  sticky-check server --port 9000 \
      --framing up:delimiter:? --framing down:delimiter:. -- ...
      questions end in '?', answers in '.'
  sticky-check server --port 9000 --framing up:line --framing down:close -- ...
      one line per connection, the answer ends when the server closes
  sticky-check client --listen 9100 --upstream :9005 -- python3 client.py 9100
      stand where the client expects its server, relay to the real one
  sticky-check client --listen 0 --upstream :9005 \
      --start-upstream 'python3 s.py' --ignore '^got ' -- python3 c.py {port}
      a one-connection server started for each run; log lines left out
  sticky-check server --port 9000 --replay-cuts 2,6 -- python3 server.py 9000
      replay one cut exactly (the report's last line gives it)

Framing (--framing [up:|down:]SPEC; up: requests, down: answers; else both):
  length[:WIDTH[:big|little][:signed]], python-i, line, delimiter:TEXT,
  fixed:SIZE, json-header (2-byte length, JSON header, body), close (answers
  end when the server closes; one message per connection). Without --framing
  the codec options below frame both directions.

Exit status: 0 passed (the same however the stream is cut; with --expect or
--expect-peer, also correct), 1 broken, 2 usage error, 3 cannot tell (the
reference run failed, or the evidence is not enough; the report says why).
)";

void add_common(CLI::App& sub, check::Options& o, bool& json, bool& no_color, std::vector<std::string>& framing,
                sticky::CodecSpec& codec) {
  speak::cli::add_codec_options(sub, codec);
  sub.add_option("--framing", framing, "[up:|down:]SPEC: how requests (up) and answers (down) are framed (repeatable)");
  sub.add_option("--seed", o.seed, "seed for random cuts (default: the clock; printed)");
  sub.add_option("--budget", o.budget, "seconds the check may take (one cut of each kind is tried anyway)")->capture_default_str()->check(CLI::Range(0.1, 86400.0));
  sub.add_option("--ignore", o.ignore, "leave lines matching REGEX out of comparisons (repeatable)");
  sub.add_flag("--json", json, "print the report as one JSON object");
  sub.add_flag("--no-color", no_color, "no colour (also NO_COLOR, or stdout not a terminal)");
  sub.add_option("--replay-cuts", o.replay_cuts, "run only this cut: OFFSET,OFFSET... or none");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Prove your framing: run a conversation whole, then cut in every way that\n"
               "matters; whatever differs from the whole run is a framing bug.",
               kProgram};
  app.footer(kExamples);
  app.require_subcommand(1);
  check::Options o;
  bool json = false, no_color = false;
  std::vector<std::string> framing;
  sticky::CodecSpec codec;

  auto* server = app.add_subcommand("server", "the program is a server; sticky-check is its client");
  server->footer(kExamples);
  server->add_option("--port", o.port, "the program listens on 127.0.0.1:PORT; 0: the OS picks ({port} in the command)")
      ->check(CLI::Range(0, 65535));
  server->add_option("--connect", o.connect, "a server already running: HOST:PORT")->excludes("--port");
  server->add_option("--message", o.messages, "a message to send (repeatable; default: a built-in set)");
  server->add_option("--messages", o.messages_file, "messages to send, one per line of FILE");
  server->add_option("--expect", o.expect_file, "the right answers, one per line of FILE: a pass then means correct");
  server->add_option("--expect-peer", o.expect_peer, "a reference server HOST:PORT: its answers are the right ones");
  server->add_option("--timeout", o.timeout_ms, "ms to wait for an answer in the reference run")
      ->capture_default_str()->check(CLI::Range(10, 600000));
  server->add_flag("--connection-per-message", o.connection_per_message,
                   "each message on a connection of its own (implied by --framing down:close)");
  server->add_option("--greeting", o.greeting, "frames the server sends first on each connection (default: learned)");
  add_common(*server, o, json, no_color, framing, codec);
  server->add_option("command", o.command, "the server to start, after --");

  auto* client = app.add_subcommand("client", "the program is a client; its answers come relayed, cut");
  client->footer(kExamples);
  client->add_option("--listen", o.listen, "127.0.0.1:PORT, where the program expects its server; 0: the OS picks")
      ->required()->check(CLI::Range(0, 65535));
  client->add_option("--upstream", o.upstream, "the real server: HOST:PORT")->required();
  client->add_option("--start-upstream", o.start_upstream,
                     "the real server's command, in words as a shell splits them (no shell runs it); started again whenever it exits");
  client->add_option("--compare", o.compare, "what a run is judged on: exit,stdout,stderr,sent")->capture_default_str();
  client->add_option("--expect", o.expect_file, "the right output, FILE: a pass then means correct");
  client->add_option("--pace", o.pace_us, "microseconds between answer pieces")->capture_default_str()->check(CLI::Range(0, 1000000));
  add_common(*client, o, json, no_color, framing, codec);
  client->add_option("command", o.command, "the client to run, after --");

  // Everything after "--" is the program's own command line, its options included: a
  // student's server takes --port too, and it is not ours.
  std::string lang;
  for (auto* sub : {&app, server, client})
    sub->add_option("--lang", lang, "en or zh (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)");
  std::vector<std::string> program;
  o.invocation.assign(argv, argv + argc);  // the replay command repeats the program's part too
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--") {
      program.assign(argv + i + 1, argv + argc);
      argc = i;
      break;
    }
  if (auto status = speak::cli::parse(app, argc, argv)) return *status;
  if (!speak::use_language(kProgram, lang)) return 2;
  if (!program.empty()) o.command = program;
  o.mode = server->parsed() ? "server" : "client";
  if (!o.seed)
    o.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000000u;
  bool colour = !json && !no_color && !std::getenv("NO_COLOR") && ::isatty(1);

  check::Progress progress;
  o.progress = [&](const speak::Text& text) { progress.show(text); };
  check::stop_programs_on_interrupt();
  try {
    try {
      o.framing.up = o.framing.down = check::Framing::of(codec);
      for (const auto& value : framing) check::apply_framing(o.framing, value);
      if (!o.start_upstream.empty()) check::command_words(o.start_upstream);
    } catch (const std::invalid_argument& e) {
      throw check::UsageError(e.what());
    }
    check::Report report = check::run(o);
    progress.clear();
    if (json) fmt::print("{}\n", check::render_json(report).dump());
    else fmt::print("{}", check::render_text(report, colour));
    return report.status();
  } catch (const check::UsageError& e) {
    progress.clear();
    speak::print_error(kProgram, e.what(), true);
    return 2;
  } catch (const std::exception& e) {
    progress.clear();
    speak::print_error(kProgram, e.what());
    return 3;
  }
}
