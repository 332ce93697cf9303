// relay — sit between any client and server and reshape the byte stream on the way.
//
//   relay --port 9100 --to 127.0.0.1:9004 --split down:1      answers in 1-byte pieces
//   relay --port 9100 --to 127.0.0.1:9005 --delay 20          a 20 ms link each way
//   relay --port 9100 --to 127.0.0.1:9001 --coalesce up:50    hold 50 ms, forward together
//   relay --port 9100 --to 127.0.0.1:9005 --cuts down:2,6     answers cut after bytes 2 and 6
//
// The bytes and their order never change, only where the receiver's recv() calls find
// them. Each shaping value applies to both directions, or to one with an up: (client to
// server) or down: (server to client) prefix.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "speak/command_line.hpp"
#include "speak/narrator.hpp"
#include "speak/text.hpp"
#include "sticky/relay.hpp"
#include "sticky/trace_json.hpp"

namespace {
sticky::Relay* running = nullptr;
void on_interrupt(int) {
  if (running) running->stop();  // stop() only writes to an eventfd: safe in a handler
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A TCP relay that reshapes the byte stream: pieces, delay, coalescing.\n"
               "Values apply to both directions, or to one: up:N (client to server), down:N.",
               "relay"};
  std::string host = "127.0.0.1", to, trace_file;
  int port = 9100;
  speak::cli::ShapingArgs shaping;
  app.add_option("--host", host, "address to listen on")->capture_default_str();
  app.add_option("--port", port, "port to listen on; 0 lets the OS pick")->check(CLI::Range(0, 65535))->capture_default_str();
  app.add_option("--to", to, "the server: HOST:PORT, [V6]:PORT or unix:PATH")->required();
  speak::cli::add_shaping_options(app, shaping);
  app.add_option("--trace", trace_file, "write every piece relayed as JSON Lines to FILE");
  bool no_color = false;
  app.add_flag("--no-color", no_color, "no colour (also: NO_COLOR, or stdout not a terminal)");
  std::string lang;
  app.add_option("--lang", lang, "en or zh (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)");
  if (auto status = speak::cli::parse(app, argc, argv)) return *status;
  if (!speak::use_language("relay", lang)) return 2;

  return speak::run("relay", [&] {
    sticky::RelayOptions options;
    options.listen = sticky::Address::ip(host, static_cast<std::uint16_t>(port));
    options.target = sticky::Address::parse(to);
    speak::cli::apply_shaping(shaping, options);

    sticky::Trace trace;
    std::ofstream trace_out;
    if (!trace_file.empty()) {
      trace_out.open(trace_file);
      if (!trace_out) throw std::runtime_error(speak::tr("cannot write {}", trace_file).english);
      trace.add_listener(sticky::json_lines_writer(trace_out));
    }
    static std::atomic<bool> narrate{true};
    trace.add_listener(speak::Narrator(stdout, !no_color && !std::getenv("NO_COLOR") && ::isatty(1), &narrate));
    options.trace = &trace;

    sticky::Relay relay(options);
    running = &relay;  // handlers first: whoever reads our address may interrupt us at once
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    fmt::print("listening on {}\n", relay.address().to_string());
    auto shaping_text = [](const sticky::Shaping& s) {
      std::string d = s.describe();
      return d == "pass-through" ? speak::tr("pass-through") : speak::same(d);
    };
    fmt::print("{}\n", speak::tr("relaying to {}; up: {}; down: {}", options.target.to_string(),
                                   shaping_text(options.to_server), shaping_text(options.to_client))
                           .local);
    // A seed the relay picked itself: print it, so `--random-split SEED` replays this run.
    for (const auto& value : shaping.random_split) {
      std::string_view v = value;
      const char* leg = v.starts_with("up:") ? "up" : v.starts_with("down:") ? "down" : nullptr;
      if (leg) v.remove_prefix(v.find(':') + 1);
      auto seed = v.substr(0, v.find(':'));
      if (!seed.empty() && seed != "random") continue;
      const auto& s = leg && std::string_view(leg) == "down" ? options.to_client : options.to_server;
      fmt::print("seed {}{}\n", s.random_seed.value_or(0), leg ? fmt::format(" ({})", leg) : "");
    }
    std::fflush(stdout);
    relay.run();
    running = nullptr;
    fmt::print("{}\n", relay.connections() == 1 ? speak::tr("relay stopped after {} connection", 1).local
                                                : speak::tr("relay stopped after {} connections", relay.connections()).local);
    return 0;
  });
}
