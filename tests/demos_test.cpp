// Every demo as a user meets it: --help, a wrong option, --json, a peer that misbehaves.
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <sstream>

#include "sticky/io.hpp"
#include "sticky/socket.hpp"
#include "support.hpp"

using test::binary;

namespace {
// Found as the Makefile finds them: demo 13 is covered the day its file exists.
const std::vector<std::string> kDemos = test::demos();
}

TEST_CASE("every demo answers --help and rejects an unknown option with exit 2", "[demos]") {
  for (const auto& demo : kDemos) {
    INFO(demo);
    auto help = test::run({binary(demo), "--help"});
    CHECK(help.status == 0);
    CHECK_THAT(help.out, Catch::Contains("--role") && Catch::Contains("--json") && Catch::Contains("lessons/" + demo));
    auto bad = test::run({binary(demo), "--frobnicate"});
    CHECK(bad.status == 2);
    CHECK_THAT(bad.err, Catch::Contains(demo + " --help"));
    CHECK(test::run({binary(demo), "--role", "neither"}).status == 2);
  }
}

TEST_CASE("every demo's --json output is JSON Lines ending in a result", "[demos][trace]") {
  for (const auto& demo : kDemos) {
    INFO(demo);
    auto r = test::run({binary(demo), "--json"}, {}, 60);
    REQUIRE(r.status == 0);
    std::istringstream lines(r.out);
    std::string line, last;
    int count = 0;
    while (std::getline(lines, line)) {
      auto j = nlohmann::json::parse(line);  // throws on a bad line
      CHECK(j.contains("seq"));
      last = line;
      ++count;
    }
    CHECK(count > 3);
    CHECK(nlohmann::json::parse(last)["op"] == "result");
  }
}

TEST_CASE("narration has no colour codes when stdout is not a terminal", "[demos]") {
  auto r = test::run({binary("01-nagle-merge")});
  CHECK(r.status == 0);
  CHECK(r.out.find('\033') == std::string::npos);
}

TEST_CASE("a client that vanishes mid-command leaves the server serving the next one", "[demos][hostile]") {
  test::Process server({binary("04-naive-handshake"), "--role", "server", "--port", "0"});
  auto address = sticky::Address::parse("127.0.0.1:" + test::port_of(server.read_line()));
  {
    auto rude = sticky::connect_stream(address);
    sticky::send_all(rude.get(), "seq 400");
    CHECK(sticky::recv_some(rude.get(), 1024, sticky::Millis(5000)) == "1492");
  }  // gone before saying "ready"
  auto client = test::run({binary("04-naive-handshake"), "--role", "client", "--port",
                           std::to_string(address.port()), "--command", "echo still here"});
  CHECK(client.status == 0);
  CHECK_THAT(client.out, Catch::Contains("still here\n"));
  server.signal(SIGINT);
  CHECK(server.wait() == 0);  // a clean exit on Ctrl-C
}

TEST_CASE("a command longer than the server's recv(1024) is answered, not fatal", "[demos][hostile]") {
  test::Process server({binary("03-command-desync"), "--role", "server", "--port", "0", "--once"});
  auto address = sticky::Address::parse("127.0.0.1:" + test::port_of(server.read_line()));
  auto conn = sticky::connect_stream(address);
  sticky::send_all(conn.get(), "echo " + std::string(3000, 'x'));
  std::string answers;
  while (answers.find("command not found") == std::string::npos) {
    auto got = sticky::recv_some(conn.get(), 65536, sticky::Millis(5000));
    REQUIRE_FALSE(got.empty());
    answers += got;
  }
  CHECK_THAT(answers, Catch::StartsWith("xxxxx"));  // the first 1024 bytes: an echo
  conn.reset();
  CHECK(server.wait() == 0);
}

TEST_CASE("a client with nobody to talk to fails with one line and exit 1", "[demos]") {
  auto listener = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
  auto port = std::to_string(sticky::local_address(listener.get()).port());
  listener.reset();
  auto r = test::run({binary("05-struct-prefix"), "--role", "client", "--port", port, "--command", "echo hi"});
  CHECK(r.status == 1);
  CHECK(r.err == "05-struct-prefix: connect 127.0.0.1:" + port + ": Connection refused\n");
}

TEST_CASE("07's server answers a classic UDP client the classic way", "[demos][udp]") {
  test::Process server({binary("07-udp-boundaries"), "--role", "server", "--port", "0", "--once"});
  auto port = test::port_of(server.read_line());
  auto client = test::run({"python3", "-c",
                           "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)\n"
                           "s.sendto(b'hello', ('127.0.0.1', " + port + "))\nprint(s.recvfrom(1024)[0].decode())"});
  CHECK(client.out == "HELLO\n");
  CHECK(server.wait() == 0);
}

TEST_CASE("09's server answers a classic Python client in every kind and mode", "[demos][socketserver]") {
  auto kind = GENERATE(as<std::string>{}, "tcp", "udp", "unix", "unix-dgram");
  auto mode = GENERATE(as<std::string>{}, "sync", "threading", "forking");
  DYNAMIC_SECTION(kind << " " << mode) {
    std::string path = "/tmp/sticky-09-test-" + std::to_string(::getpid()) + ".sock";
    test::Process server({binary("09-socketserver"), "--role", "server", "--port", "0", "--kind", kind, "--mode",
                          mode, "--path", path});
    std::string line = server.read_line();
    REQUIRE_THAT(line, Catch::StartsWith("listening on "));
    std::string where = line.substr(std::string("listening on ").size());
    std::string py;
    if (kind == "tcp")
      py = "s = socket.socket(); s.connect(('127.0.0.1', " + where.substr(where.rfind(':') + 1) +
           ")); s.send(b'hello'); print(s.recv(1024).decode())";
    else if (kind == "udp")
      py = "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'hello', ('127.0.0.1', " +
           where.substr(where.rfind(':') + 1) + ")); print(s.recvfrom(1024)[0].decode())";
    else if (kind == "unix")
      py = "s = socket.socket(socket.AF_UNIX); s.connect('" + path + "'); s.send(b'hello'); print(s.recv(1024).decode())";
    else
      py = "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(''); s.sendto(b'hello', '" + path +
           "'); print(s.recvfrom(1024)[0].decode())";
    for (int i = 0; i < 2; ++i) {
      auto client = test::run({"python3", "-c", "import socket\nsocket.setdefaulttimeout(5)\n" + py});
      INFO(client.err);
      CHECK(client.out == "HELLO\n");
    }
    server.signal(SIGINT);
    CHECK(server.wait() == 0);
  }
}

// The refactor guard: every demo's result facts keep their keys and types, and every value
// that does not depend on timing keeps its value (tests/facts-baseline.json, recorded from
// two runs before the trace model moved into lib; "varies" marks what changed between them).
namespace {
void compare_facts(const nlohmann::json& expected, const nlohmann::json& actual, const std::string& path) {
  INFO(path);
  if (expected.is_object() && expected.contains("varies")) {
    std::string kind = expected["varies"];
    if (kind == "number") CHECK(actual.is_number());
    else if (kind == "list") CHECK(actual.is_array());
    else CHECK(!actual.is_null());
    return;
  }
  if (expected.is_object()) {
    REQUIRE(actual.is_object());
    for (auto& [key, value] : expected.items()) {
      CHECK(actual.contains(key));
      if (actual.contains(key)) compare_facts(value, actual[key], path + "." + key);
    }
    for (auto& [key, value] : actual.items()) {
      INFO("a fact the baseline does not know: " << path << "." << key << " (record it in tests/facts-baseline.json)");
      if (key != "observed") CHECK(expected.contains(key));
    }
    return;
  }
  CHECK(expected == actual);
}
}  // namespace

TEST_CASE("every demo's result facts are those recorded before the refactor", "[demos][facts]") {
  std::ifstream in("tests/facts-baseline.json");
  REQUIRE(in);
  auto baseline = nlohmann::json::parse(in);
  for (const auto& demo : test::demos()) {
    INFO(demo << ": every demo has its facts in tests/facts-baseline.json");
    CHECK(baseline.contains(demo));
  }
  for (auto& [demo, facts] : baseline.items()) compare_facts(facts, test::demo_facts(demo), demo);
}

// Narration: wrapped to the terminal at word boundaries (80 columns off a terminal), colour
// and wide characters measured as a terminal shows them, runs of calls folded, "1 byte".
#include "speak/narrator.hpp"

TEST_CASE("narration wraps at word boundaries, counting columns as a terminal does", "[demos][narration]") {
  CHECK(speak::display_width("粘包") == 4);
  CHECK(speak::display_width("\033[1;36mhello\033[0m") == 5);
  CHECK(speak::wrap("aaaa bbbb cccc dddd eeee ffff gggg", 30, 2) == "aaaa bbbb cccc dddd eeee ffff\n  gggg");
  CHECK(speak::wrap("\033[1mone two\033[0m three", 7, 0) == "\033[1mone two\033[0m\nthree");
  CHECK(speak::wrap("  粘包粘包 ab cd", 10, 2) == "  粘包粘包\n  ab cd");
  // A quoted preview is not broken when a space outside it will do.
  CHECK(speak::wrap("recv 14 \"a b c\" end", 16, 2) == "recv 14 \"a b c\"\n  end");
  CHECK(speak::preview("1\n2\n3\n4\n5\n6\n7\n8\n9\n", 10) == "\"1\\n2\\n…9\\n\"");  // escapes stay whole
}

TEST_CASE("every demo's narration fits 80 columns off a terminal and says \"1 byte\"", "[demos][narration]") {
  for (const auto& demo : kDemos) {
    INFO(demo);
    auto r = test::run({binary(demo)}, {}, 60);
    REQUIRE(r.status == 0);
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      INFO(line);
      CHECK(speak::display_width(line) <= 80);
      CHECK(line.find(" 1 bytes") == std::string::npos);
      CHECK(line.find("byte(s)") == std::string::npos);
    }
  }
}

TEST_CASE("02's server in its own terminal folds a run of calls as role both does", "[demos][narration]") {
  test::Process server({binary("02-short-read"), "--role", "server", "--port", "0", "--once"});
  auto port = test::port_of(server.read_line());
  auto client = test::run({binary("02-short-read"), "--role", "client", "--port", port});
  CHECK(client.status == 0);
  std::string out, line;
  while (!(line = server.read_line(10)).empty() || out.find("done") == std::string::npos) {
    if (line.empty()) break;
    out += line + "\n";
  }
  CHECK(server.wait() == 0);
  CHECK_THAT(out, Catch::Contains("server   recv(1024)    1024 bytes"));
  CHECK_THAT(out, Catch::Contains("server   recv(1024) × 63 more, 1024 bytes each (64 calls, 65536 bytes in all)"));
  auto both = test::run({binary("02-short-read")});
  CHECK_THAT(both.out, Catch::Contains("server   recv(1024) × 63 more, 1024 bytes each (64 calls, 65536 bytes in all)"));
}

TEST_CASE("--step pauses before each call and each part, on a terminal", "[demos][narration]") {
  // A pseudo-terminal, and Enter pressed at every prompt; the calls and parts are counted.
  const std::string driver =
      "import os, pty, select, sys\n"
      "pid, fd = pty.fork()\n"
      "if pid == 0:\n"
      "    os.execv(sys.argv[1], sys.argv[1:])\n"
      "out = b''\n"
      "while True:\n"
      "    r, _, _ = select.select([fd], [], [], 10)\n"
      "    if not r: break\n"
      "    try: data = os.read(fd, 4096)\n"
      "    except OSError: break\n"
      "    if not data: break\n"
      "    out += data\n"
      "    for _ in range(data.count(b'[Enter]')): os.write(fd, b'\\n')\n"
      "os.waitpid(pid, 0)\n"
      "sys.stdout.write(out.decode('utf-8', 'replace').replace('\\r', ''))\n";
  auto r = test::run({"python3", "-c", driver, binary("07-udp-boundaries"), "--step", "--no-color"}, {}, 60);
  REQUIRE(r.status == 0);
  int prompts = 0, calls = 0;
  std::istringstream lines(r.out);
  std::string line, previous;
  while (std::getline(lines, line)) {
    if (line.find("[Enter]") != std::string::npos) ++prompts;
    bool call = line.find("sendto") != std::string::npos || line.find("recvfrom(") != std::string::npos;
    if (call && line.rfind("  client", 0) + line.rfind("  server", 0) != 2 * std::string::npos) {
      ++calls;
      // The line before a call's is the prompt that held it back.
      CHECK(previous.find("[Enter]") != std::string::npos);
    }
    previous = line;
  }
  CHECK(calls >= 15);
  CHECK(prompts >= calls);
  CHECK_THAT(r.out, Catch::Contains("Result: 3 datagrams read as 3"));
}
