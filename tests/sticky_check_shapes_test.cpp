// sticky-check on programs in the shapes real ones take (issue 21): a one-shot server, a
// client that logs every chunk, questions and answers framed apart, a length + JSON header
// protocol, answers that end at close, a server that speaks first, a one-connection upstream.
// Each correct one passes; each broken one is found, the diagnosis naming its mistake; a
// program that is neither is "cannot tell", with the reason. (tests/check_programs/)
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "check/diagnosis.hpp"
#include "check/listening.hpp"
#include "sticky/socket.hpp"
#include "support.hpp"

using test::binary;

namespace {

std::string program(const std::string& name) {
  auto root = std::filesystem::path(binary("x")).parent_path().parent_path().parent_path();
  if (!std::filesystem::exists(root / "tests/check_programs")) root = std::filesystem::current_path();
  return (root / "tests/check_programs" / name).string();
}

std::string free_port() {
  sticky::Fd fd = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
  return std::to_string(sticky::local_address(fd.get()).port());
}

test::Run sticky_check(std::vector<std::string> args, double seconds = 90) {
  args.insert(args.begin(), binary("sticky-check"));
  return test::run(args, {}, seconds, {"NO_COLOR=1"});
}

std::string one_line(std::string text) {
  for (auto& c : text)
    if (c == '\n') c = ' ';
  std::string out;
  for (char c : text)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

// A Python server checked as a student would: started by sticky-check on the port the OS
// picks ({port} in its command).
test::Run check_server(const std::string& name, std::vector<std::string> options, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"server", "--port", "0", "--seed", "7", "--budget", "15"};
  args.insert(args.end(), options.begin(), options.end());
  args.insert(args.end(), {"--", "python3", program(name), "{port}"});
  args.insert(args.end(), extra.begin(), extra.end());
  return sticky_check(args);
}

// A Python client checked against `upstream_program`, which sticky-check starts itself.
test::Run check_client(const std::string& name, const std::string& upstream_program, std::vector<std::string> options) {
  auto port = free_port();
  std::vector<std::string> args{"client", "--listen", "0", "--upstream", "127.0.0.1:" + port, "--start-upstream",
                                "python3 " + program(upstream_program) + " " + port, "--seed", "7", "--budget", "25"};
  args.insert(args.end(), options.begin(), options.end());
  args.insert(args.end(), {"--", "python3", program(name), "{port}"});
  return sticky_check(args, 120);
}

std::vector<std::string> mistakes(const nlohmann::json& report) {
  std::vector<std::string> ids;
  for (const auto& m : report["diagnosis"]) ids.push_back(m["id"]);
  return ids;
}

}  // namespace

TEST_CASE("sticky-check passes correct programs of every shape", "[sticky-check][shapes]") {
  struct Case {
    const char* program;
    std::vector<std::string> options;
  };
  auto c = GENERATE(values<Case>({
      {"server_one_shot.py", {}},
      {"server_qa.py", {"--framing", "up:delimiter:?", "--framing", "down:delimiter:."}},
      {"server_json_header.py", {"--framing", "json-header"}},
      {"server_answer_at_close.py", {"--framing", "up:line", "--framing", "down:close"}},
      {"server_speaks_first.py", {"--framing", "line"}},
  }));
  CAPTURE(c.program, c.options);
  auto r = check_server(c.program, c.options);
  CAPTURE(r.out, r.err);
  CHECK(r.status == 0);
  auto text = one_line(r.out);
  CHECK(text.find("PASSED: the same however the stream is cut") != std::string::npos);
  CHECK(text.find("--port 0: the OS picked port") != std::string::npos);
  if (std::string(c.program) == "server_one_shot.py") {
    CHECK(text.find("a one-shot server; it was started again for each run") != std::string::npos);
    // Once it has left after a run, each later life is let go before the next connection:
    // the race of its first two lives is tried again, hardly any after.
    auto tried = text.find(" runs were tried again");
    if (tried != std::string::npos) CHECK(std::stoi(text.substr(text.rfind(' ', tried - 1) + 1)) <= 3);
  }
  if (std::string(c.program) == "server_speaks_first.py")
    CHECK(text.find("The program speaks first: 1 frame(s)") != std::string::npos);
  if (std::string(c.program) == "server_qa.py") {
    CHECK(text.find("requests: each ending in \"?\"") != std::string::npos);
    CHECK(text.find("answers: each ending in \".\"") != std::string::npos);
  }
}

TEST_CASE("sticky-check finds broken programs of every shape and names the mistake", "[sticky-check][shapes]") {
  struct Case {
    const char* program;
    std::vector<std::string> options;
    std::string_view mistake;
    const char* words;
  };
  auto c = GENERATE(values<Case>({
      {"server_json_header_one_recv.py", {"--framing", "json-header"}, check::kRecvHeader,
       "assumes one recv() returns the whole JSON header"},
      {"server_qa_one_recv.py", {"--framing", "up:delimiter:?", "--framing", "down:delimiter:."}, check::kOneRecv,
       "treats one recv() as one message"},
      {"server_answer_at_close_one_recv.py", {"--framing", "up:line", "--framing", "down:close"}, check::kOneRecv,
       "treats one recv() as one message"},
  }));
  CAPTURE(c.program);
  auto r = check_server(c.program, c.options);
  CAPTURE(r.out, r.err);
  REQUIRE(r.status == 1);
  auto text = one_line(r.out);
  CHECK(text.find("Most likely it " + std::string(c.words) + ".") != std::string::npos);
  CHECK(text.find("Fix: ") != std::string::npos);
  CHECK(text.find("Replay: ") != std::string::npos);
}

TEST_CASE("sticky-check asks the kernel who listens, connecting to nobody", "[sticky-check][shapes]") {
  sticky::Fd listener = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
  auto port = sticky::local_address(listener.get()).port();
  CHECK(check::listening(port) == std::optional<bool>(true));
  auto ports = check::listening_ports(::getpgrp());
  CHECK(std::find(ports.begin(), ports.end(), port) != ports.end());
  listener.reset();
  CHECK(check::listening(port) == std::optional<bool>(false));
  CHECK(check::is_local(sticky::Address::parse("127.0.0.1:9")));
  CHECK_FALSE(check::is_local(sticky::Address::parse("192.0.2.1:9")));
}

TEST_CASE("sticky-check names a wrong byte order only when the other order works", "[sticky-check][shapes]") {
  // The question/answer server checked as if it spoke length prefixes: it waits for a '?'
  // that never comes. That is no byte-order mistake, and the report does not say it is.
  auto r = check_server("server_qa.py", {"--message", "hello", "--timeout", "500"});
  CAPTURE(r.out, r.err);
  CHECK(r.status == 3);
  auto text = one_line(r.out);
  CHECK(text.find("Most likely") == std::string::npos);
  CHECK(text.find("it may not read this framing at all") != std::string::npos);
}

TEST_CASE("sticky-check --port 0 finds the port a program picked itself", "[sticky-check][shapes]") {
  // server_exact.py binds the port it is given: 0 is the OS's pick, found by its socket.
  auto r = sticky_check({"server", "--port", "0", "--seed", "7", "--budget", "10", "--", "python3",
                         program("server_exact.py"), "0"});
  CAPTURE(r.out, r.err);
  CHECK(r.status == 0);
  CHECK(one_line(r.out).find("--port 0: the program listens on port") != std::string::npos);
}

TEST_CASE("sticky-check client mode: a server that speaks first, a correct and a broken client", "[sticky-check][shapes]") {
  auto good = check_client("client_greeting_exact.py", "server_speaks_first.py", {"--framing", "line"});
  CAPTURE(good.out, good.err);
  CHECK(good.status == 0);
  CHECK(one_line(good.out).find("--listen 0: the OS picked port") != std::string::npos);
  auto bad = check_client("client_greeting_one_recv.py", "server_speaks_first.py", {"--framing", "line", "--json"});
  CAPTURE(bad.out, bad.err);
  REQUIRE(bad.status == 1);
  auto j = nlohmann::json::parse(bad.out);
  CHECK(mistakes(j) == std::vector<std::string>{std::string(check::kOneRecv)});
  // The replay names the relay's real port, not {port}.
  CHECK(j["smallest"]["replay_then"].get<std::string>().find("{port}") == std::string::npos);
}

TEST_CASE("sticky-check client mode: a client that logs its chunks is no header mistake", "[sticky-check][shapes]") {
  test::Process upstream({binary("05-struct-prefix"), "--role", "server", "--port", "0", "--no-color"});
  auto port = test::port_of(upstream.read_line());
  auto check = [&](std::vector<std::string> options) {
    std::vector<std::string> args{"client", "--listen", "0", "--upstream", "127.0.0.1:" + port, "--seed", "7",
                                  "--budget", "25"};
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {"--", "python3", program("client_chunk_log.py"), "{port}"});
    return sticky_check(args, 120);
  };
  // Its "chunk N bytes" lines change with every cut, by design: left out, it passes.
  auto ignored = check({"--ignore", "^chunk "});
  CAPTURE(ignored.out, ignored.err);
  CHECK(ignored.status == 0);
  CHECK(one_line(ignored.out).find("output (less the lines left out)") != std::string::npos);
  // Compared, they are no evidence of a header read wrong: cannot tell, and why.
  auto compared = check({});
  CAPTURE(compared.out, compared.err);
  CHECK(compared.status == 3);
  auto text = one_line(compared.out);
  CHECK(text.find("BROKEN") == std::string::npos);
  CHECK(text.find("Most likely") == std::string::npos);  // no mistake named, no header blamed
  CHECK(text.find("only lines with numbers in them changed") != std::string::npos);
  CHECK(text.find("--ignore REGEX") != std::string::npos);
}

TEST_CASE("sticky-check client mode never uses up a one-connection upstream, nor blames the client for it",
          "[sticky-check][shapes]") {
  auto port = free_port();
  // Started by the test: it serves the first run, then it is gone.
  test::Process upstream({"python3", program("server_one_connection.py"), port});
  for (int i = 0; i < 1000 && !check::listening(static_cast<std::uint16_t>(std::stoi(port))).value_or(true); ++i)
    ::usleep(10000);
  auto once = sticky_check({"client", "--listen", "0", "--upstream", "127.0.0.1:" + port, "--seed", "7", "--", "python3",
                            program("client_exact.py"), "{port}"});
  CAPTURE(once.out, once.err);
  CHECK(once.status == 3);
  auto text = one_line(once.out);
  CHECK(text.find("BROKEN") == std::string::npos);
  CHECK(text.find("The relay could not reach the upstream 127.0.0.1:" + port + " in run 2") != std::string::npos);
  CHECK(text.find("the client is not to blame") != std::string::npos);
  CHECK(upstream.wait(5) == 0);  // it served the first run whole, no probe crashed it

  // One that serves three connections: the uncut runs and one cut, then it is gone. The cut
  // runs after that are no evidence, and the client is not blamed for them.
  port = free_port();
  test::Process three({"python3", program("server_one_connection.py"), port, "3"});
  for (int i = 0; i < 1000 && !check::listening(static_cast<std::uint16_t>(std::stoi(port))).value_or(true); ++i)
    ::usleep(10000);
  auto later = sticky_check({"client", "--listen", "0", "--upstream", "127.0.0.1:" + port, "--seed", "7", "--", "python3",
                             program("client_exact.py"), "{port}"});
  CAPTURE(later.out, later.err);
  CHECK(later.status == 3);
  CHECK(one_line(later.out).find("BROKEN") == std::string::npos);
  CHECK(one_line(later.out).find("the client is not to blame") != std::string::npos);

  // Started again for every run, it passes the correct client.
  auto again = check_client("client_exact.py", "server_one_connection.py", {});
  CAPTURE(again.out, again.err);
  CHECK(again.status == 0);
}

TEST_CASE("sticky-check: the program's own error first; lesson 11's client is no byte-order mistake",
          "[sticky-check][shapes]") {
  test::Process upstream({binary("11-text-cut"), "--role", "server", "--port", "0", "--no-color"});
  auto port = test::port_of(upstream.read_line());
  auto root = std::filesystem::path(program("x")).parent_path().parent_path().parent_path();
  auto r = sticky_check({"client", "--listen", "0", "--upstream", "127.0.0.1:" + port, "--json", "--", "python3",
                         (root / "lessons/python/11-client-decode-each-recv.py").string(), "--port", "{port}"});
  CAPTURE(r.out, r.err);
  REQUIRE(r.status == 3);
  auto j = nlohmann::json::parse(r.out);
  CHECK(mistakes(j) == std::vector<std::string>{std::string(check::kDecodesPieces)});
  REQUIRE(!j["hints"].empty());
  CHECK(j["hints"][0].get<std::string>().find("It said: UnicodeDecodeError") == 0);
  CHECK(j["diagnosis"][0]["lesson"] == 11);
  // The diagnosis a failed uncut run gives is translated too (issue 20), its fix and lesson with it.
  auto zh = sticky_check({"client", "--listen", "0", "--upstream", "127.0.0.1:" + port, "--lang", "zh", "--", "python3",
                          (root / "lessons/python/11-client-decode-each-recv.py").string(), "--port", "{port}"});
  CAPTURE(zh.out);
  CHECK(zh.status == 3);
  auto text = one_line(zh.out);
  CHECK(text.find("它多半把每次 recv() 的数据各自当文本解码") != std::string::npos);
  CHECK(text.find("见第 11 课") != std::string::npos);
  CHECK(text.find("byte order") == std::string::npos);
  CHECK(text.find("字节序") == std::string::npos);
}

TEST_CASE("sticky-check --expect and --expect-peer make a pass mean correct", "[sticky-check][shapes]") {
  auto dir = std::filesystem::temp_directory_path() / ("sticky-expect-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "right") << "echo: hi\necho: there\n";
    std::ofstream(dir / "wrong") << "echo: hi\necho: THERE\n";
  }
  auto check = [&](const std::string& expect) {
    return check_server("server_json_header.py", {"--framing", "json-header", "--message", "hi", "--message", "there",
                                                  "--expect", (dir / expect).string()});
  };
  auto right = check("right");
  CAPTURE(right.out, right.err);
  CHECK(right.status == 0);
  CHECK(one_line(right.out).find("PASSED: correct, and the same however the stream is cut") != std::string::npos);
  auto wrong = check("wrong");
  CAPTURE(wrong.out, wrong.err);
  CHECK(wrong.status == 1);
  auto text = one_line(wrong.out);
  CHECK(text.find("BROKEN: its answers are not the expected ones, even uncut.") != std::string::npos);
  CHECK(text.find("message 2 \"there\" (5 bytes): the program answered \"echo: there\"") != std::string::npos);
  std::filesystem::remove_all(dir);

  // A reference server's answers are the expected ones: demo 05's server against itself.
  test::Process peer({binary("05-struct-prefix"), "--role", "server", "--port", "0", "--no-color"});
  auto peer_port = test::port_of(peer.read_line());
  auto r = sticky_check({"server", "--port", "0", "--seed", "7", "--budget", "15", "--message", "echo hi",
                         "--expect-peer", "127.0.0.1:" + peer_port, "--", binary("05-struct-prefix"), "--role",
                         "server", "--port", "{port}"});
  CAPTURE(r.out, r.err);
  CHECK(r.status == 0);
  CHECK(one_line(r.out).find("PASSED: correct") != std::string::npos);
}

TEST_CASE("sticky-check: what differs between two uncut runs is no evidence", "[sticky-check][shapes]") {
  // A client that prints the port it got: that line differs, and is left out.
  test::Process upstream({binary("05-struct-prefix"), "--role", "server", "--port", "0", "--no-color"});
  auto port = test::port_of(upstream.read_line());
  auto client = sticky_check({"client", "--listen", "0", "--upstream", "127.0.0.1:" + port, "--seed", "7", "--budget",
                              "10", "--", "python3", program("client_prints_port.py"), "{port}"});
  CAPTURE(client.out, client.err);
  CHECK(client.status == 0);
  CHECK(one_line(client.out).find("Line 1 of its output differed between two uncut runs") != std::string::npos);
  // A client whose every line is new each run: its output cannot judge a cut, and an exit
  // status alone passes it only when the user says that is all that matters.
  const std::string lottery = "import random, socket, struct, sys\n"
                              "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
                              "s.sendall(struct.pack('!I', 7) + b'echo hi')\n"
                              "s.recv(100)\n"
                              "print(random.random())\n";
  auto lottery_check = [&](std::vector<std::string> options) {
    std::vector<std::string> args{"client", "--listen", "0", "--upstream", "127.0.0.1:" + port, "--seed", "7",
                                  "--budget", "5"};
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {"--", "python3", "-c", lottery, "{port}"});
    return sticky_check(args);
  };
  auto drawn = lottery_check({});
  CAPTURE(drawn.out, drawn.err);
  CHECK(drawn.status == 3);
  CHECK(one_line(drawn.out).find("Its output is not the same in two uncut runs") != std::string::npos);
  auto exit_only = lottery_check({"--compare", "exit"});
  CAPTURE(exit_only.out, exit_only.err);
  CHECK(exit_only.status == 0);

  // A server that tells the time when asked: that answer is not compared, the others are.
  auto asked = check_server("server_stamps.py", {"--message", "hello", "--message", "what time is it?", "--message", "x"});
  CAPTURE(asked.out, asked.err);
  CHECK(asked.status == 0);
  CHECK(one_line(asked.out).find("answer 2 differed between the two uncut runs") != std::string::npos);
  // One that stamps every answer: nothing is the same twice, so nothing can be told, until
  // the stamp is left out.
  auto stamped = check_server("server_stamps.py", {}, {"all"});
  CAPTURE(stamped.out, stamped.err);
  CHECK(stamped.status == 3);
  CHECK(one_line(stamped.out).find("Every answer differed between two uncut runs") != std::string::npos);
  auto ignored = check_server("server_stamps.py", {"--ignore", "^served at"}, {"all"});
  CAPTURE(ignored.out, ignored.err);
  CHECK(ignored.status == 0);
}
