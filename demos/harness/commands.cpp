#include "harness/commands.hpp"

#include <fmt/format.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <unistd.h>

#include <charconv>
#include <iostream>
#include <thread>

#include "sticky/codec_spec.hpp"
#include "sticky/handshake.hpp"
#include "speak/command_line.hpp"

namespace harness {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<long> number(std::string_view text, long low, long high) {
  long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) return std::nullopt;
  return value;
}

std::string interfaces() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "ifconfig: cannot list interfaces\n";
  std::string out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6)) continue;
    char host[NI_MAXHOST] = {};
    socklen_t len = i->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    ::getnameinfo(i->ifa_addr, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
    out += fmt::format("{:<10} {:<5} {}\n", i->ifa_name, i->ifa_addr->sa_family == AF_INET ? "inet" : "inet6", host);
  }
  ::freeifaddrs(list);
  return out;
}

constexpr std::string_view kLorem =
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. ";

}  // namespace

std::string run_command(std::string_view line) {
  line = trim(line);
  auto space = line.find(' ');
  std::string_view name = line.substr(0, space);
  std::string_view arg = space == line.npos ? std::string_view{} : trim(line.substr(space + 1));
  std::string out;
  if (name == "help") {
    out = "commands: help, seq N (1..N, one per line), echo TEXT, lorem N (N bytes of text), ifconfig\n";
  } else if (name == "seq") {
    auto n = number(arg, 0, 100000);
    if (!n) return "seq: N must be a number from 0 to 100000\n";
    for (long i = 1; i <= *n; ++i) out += std::to_string(i) + "\n";
  } else if (name == "echo") {
    out = std::string(arg) + "\n";
  } else if (name == "lorem") {
    auto n = number(arg, 0, 1 << 20);
    if (!n) return "lorem: N must be a number from 0 to 1048576\n";
    while (out.size() < static_cast<std::size_t>(*n)) out += kLorem;
    out.resize(static_cast<std::size_t>(*n));
  } else if (name == "ifconfig") {
    out = interfaces();
  } else {
    std::string shown(line.substr(0, 60));
    out = fmt::format("command not found: {}{}\n", shown, line.size() > 60 ? "…" : "");
  }
  return out.empty() ? std::string(kEmptyAnswer) : out;
}

void serve_commands(Demo& demo, Conn& conn, const CommandProtocol& protocol) {
  bool framed = protocol.protocol == Protocol::length_prefix && protocol.framed_commands;
  if (framed) conn.use_codec(sticky::spec_of(protocol.header));
  sticky::LengthCodec codec(protocol.header);
  for (;;) {
    std::string command;
    if (framed) {
      // The fix: every command is a frame, so however the stream was cut, a command is whole.
      auto frame = conn.read_frame();
      if (!frame) return;  // the client closed
      command = *frame;
    } else {
      // As the classic server: whatever one recv(1024) returns is one command. A short
      // command usually arrives whole — but nothing says it must: a client that sends the
      // next command before this server reads (demo 03, part C) has its commands stuck together.
      command = conn.recv(1024);
      if (command.empty()) return;  // the client closed
    }
    if (protocol.on_command) protocol.on_command(command);
    if (protocol.run_time.count()) std::this_thread::sleep_for(protocol.run_time);
    std::string answer = run_command(command);
    switch (protocol.protocol) {
      case Protocol::raw:
        conn.send(answer);
        break;
      case Protocol::naive: {
        conn.send(std::to_string(answer.size()));
        std::string ready = conn.recv(1024);
        if (ready != sticky::kReady) {
          demo.error(tr("expected \"ready\", got {}; closing this connection", byte_count(ready.size())),
                     sticky::Side::server);
          return;
        }
        conn.send_more(answer);
        break;
      }
      case Protocol::length_prefix:
        if (framed) conn.write_frame(answer);
        else conn.send(codec.encode(answer));  // header and body in one buffer, one send
        break;
    }
    if (protocol.busy_after_answer.count()) std::this_thread::sleep_for(protocol.busy_after_answer);
  }
}

std::string ask(Conn& conn, const CommandProtocol& protocol, std::string_view command) {
  using namespace std::chrono_literals;
  if (protocol.protocol == Protocol::length_prefix) {
    // The framed connection reads what has come and hands out whole frames: a hostile
    // length is refused from its header, before anything is allocated for it.
    if (!conn.has_codec()) conn.use_codec(sticky::spec_of(protocol.header), 10000ms);
    if (protocol.framed_commands) conn.write_frame(command);
    else conn.send(command);
    auto answer = conn.read_frame();
    if (!answer) throw sticky::FrameError(0, tr("server closed the connection before answering").english);
    return *answer;
  }
  conn.send(command);
  if (protocol.read_delay.count()) std::this_thread::sleep_for(protocol.read_delay);
  if (protocol.protocol == Protocol::raw) return conn.recv(1024, 10000ms);
  std::uint64_t length = sticky::parse_naive_length(conn.recv(1024, 10000ms), 16u << 20);
  conn.send(sticky::kReady);
  std::string body;
  while (body.size() < length) {
    std::string piece = conn.recv(1024, 10000ms);
    if (piece.empty()) throw sticky::FrameError(body.size(), tr("server closed before the whole answer came").english);
    body += piece;
  }
  return body;
}

std::vector<AnswerOrigin> trace_answers(const std::vector<std::string>& commands,
                                        const std::vector<std::string>& answers) {
  // The bytes the server sent, in order: each command's output, back to back.
  std::vector<std::string> outputs;
  std::string stream;
  std::vector<std::size_t> starts;
  for (const auto& c : commands) {
    outputs.push_back(run_command(c));
    starts.push_back(stream.size());
    stream += outputs.back();
  }
  std::vector<AnswerOrigin> out;
  std::size_t at = 0;
  bool known = true;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    AnswerOrigin o;
    const std::string& a = answers[i];
    known = known && at + a.size() <= stream.size() && stream.compare(at, a.size(), a) == 0;
    o.known = known;
    if (!known) {
      o.from = tr("bytes that are not what the built-in commands print");
      out.push_back(o);
      continue;
    }
    std::vector<Text> parts;
    for (std::size_t j = 0; j < commands.size(); ++j) {
      std::size_t begin = starts[j], end = begin + outputs[j].size();
      std::size_t lo = std::max(begin, at), hi = std::min(end, at + a.size());
      if (lo >= hi) continue;
      o.commands.push_back(j);
      if (lo == begin && hi == end) parts.push_back(tr("all of answer {} (`{}`)", j + 1, commands[j]));
      else if (lo == begin) parts.push_back(tr("the start of answer {} (`{}`)", j + 1, commands[j]));
      else if (hi == end) parts.push_back(tr("the end of answer {} (`{}`)", j + 1, commands[j]));
      else parts.push_back(tr("part of answer {} (`{}`)", j + 1, commands[j]));
    }
    o.in_step = o.commands.size() == 1 && o.commands[0] == i && a == outputs[i];
    o.from = parts.empty() ? tr("nothing") : join(parts, same(" + "));
    at += a.size();
    out.push_back(o);
  }
  return out;
}

CommandSource::CommandSource(std::vector<std::string> given, std::vector<std::string> script, bool prompt_allowed,
                             Demo* demo)
    : demo_(demo) {
  if (!given.empty()) {
    queue_ = std::move(given);
  } else if (prompt_allowed && ::isatty(0)) {
    interactive_ = true;
    if (demo_) demo_->reading_terminal(true);
  } else if (prompt_allowed) {
    from_stdin_ = true;
    std::string line;
    while (std::getline(std::cin, line))
      if (!line.empty()) queue_.push_back(line);
    if (queue_.empty()) queue_ = std::move(script);
  } else {
    queue_ = std::move(script);
  }
}

std::optional<std::string> CommandSource::next() {
  if (!interactive_) {
    if (at_ >= queue_.size()) return std::nullopt;
    return queue_[at_++];
  }
  for (;;) {
    if (demo_) demo_->wait_for_narration();
    std::cout << ">> " << std::flush;
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (line == "quit" || line == "exit") return std::nullopt;
    if (!line.empty()) return line;
  }
}

void add_command_options(CLI::App& app, std::vector<std::string>& commands, bool& interactive) {
  app.add_option("--command", commands, "client: a command to send (repeatable); default: stdin lines, "
                                        "a >> prompt on a terminal, or the built-in script");
  app.add_flag("--interactive", interactive, "role both: read commands at a >> prompt instead of the script");
}

}  // namespace harness
