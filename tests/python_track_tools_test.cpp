// The student's programs under the two tools the lessons send them to: sticky-trace shows
// the classic mistake happening in their own program; sticky-check proves the fix.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sticky/socket.hpp"
#include "support.hpp"

namespace {
namespace fs = std::filesystem;

std::string lesson_program(const std::string& name) { return (fs::current_path() / "lessons/python" / name).string(); }

// A port nobody listens on now, for a program that takes --port (the student's programs
// hardcode theirs; sticky-check is told where).
std::string free_port() {
  auto listener = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
  return std::to_string(sticky::local_address(listener.get()).port());
}
}  // namespace

TEST_CASE("lesson 01's classic programs, traced: three sends of 5, 5 and 4 bytes, one recv of 14", "[python-track][tools]") {
  auto file = fs::temp_directory_path() / ("sticky-01-" + std::to_string(::getpid()) + ".jsonl");
  fs::remove(file);
  auto port = free_port();
  test::Process server({test::binary("sticky-trace"), "-q", "-o", file.string(), "--", "python3",
                        lesson_program("01-server-late-reader.py"), "--port", port, "--once"});
  REQUIRE_THAT(server.read_line(20), Catch::StartsWith("listening on"));
  auto client = test::run({test::binary("sticky-trace"), "-q", "-o", file.string(), "--", "python3",
                           lesson_program("01-client-three-sends.py"), "--port", port});
  REQUIRE(client.status == 0);
  REQUIRE(server.wait(20) == 0);
  std::ifstream in(file);
  std::vector<int> sends, recvs;
  for (std::string line; std::getline(in, line);) {
    auto e = nlohmann::json::parse(line);
    if (e["op"] == "send" && e.value("side", "") == "01-client-three-sends.py") sends.push_back(e["bytes"]);
    if (e["op"] == "recv" && e.value("side", "") == "01-server-late-reader.py" && e.value("bytes", 0) > 0)
      recvs.push_back(e["bytes"]);
  }
  CHECK(sends == std::vector<int>{5, 5, 4});
  CHECK(recvs == std::vector<int>{14});  // 粘包 in the student's own program
  fs::remove(file);
}

TEST_CASE("sticky-check proves lesson 05's fixed server and finds the classic one's mistake", "[python-track][tools]") {
  auto port = free_port();
  auto fixed = test::run({test::binary("sticky-check"), "server", "--port", port, "--seed", "1", "--budget", "10",
                          "--message", "echo hello", "--message", "seq 300", "--message", "",
                          "--", "python3", lesson_program("05-server-struct-prefix.py"), "--port", port},
                         {}, 60);
  INFO(fixed.out << fixed.err);
  CHECK(fixed.status == 0);
  port = free_port();
  // Lesson 05's command: its commands are unframed (one recv(1024) each), so lines up, 'i' down.
  auto classic = test::run({test::binary("sticky-check"), "server", "--port", port, "--framing", "up:line",
                            "--framing", "down:python-i", "--seed", "1", "--budget", "10", "--message", "echo hi",
                            "--message", "seq 3", "--message", "help", "--", "python3",
                            lesson_program("05-server-struct-i-classic.py"), "--port", port},
                           {}, 60);
  INFO(classic.out << classic.err);
  CHECK(classic.status == 1);
  CHECK_THAT(classic.out, Catch::Contains("treats one recv() as one message"));
  CHECK_THAT(classic.out, Catch::Contains("answered \"hi\\nseq 3\\nhelp\\n\""));
  // The replay command starts the program too: what came after -- is repeated.
  CHECK_THAT(classic.out, Catch::Contains("--replay-cuts") && Catch::Contains("05-server-struct-i-classic.py"));
}

TEST_CASE("sticky-check proves lesson 05's fixed client against the fixed server", "[python-track][tools]") {
  test::Process server({"python3", lesson_program("05-server-struct-prefix.py"), "--port", "0"});
  auto upstream = test::port_of(server.read_line(20));
  auto listen = free_port();
  auto check = test::run({test::binary("sticky-check"), "client", "--listen", listen, "--upstream",
                          "127.0.0.1:" + upstream, "--seed", "1", "--budget", "15", "--", "python3",
                          lesson_program("05-client-struct-prefix.py"), "--port", listen, "--command", "seq 300",
                          "--command", "echo hi"},
                         {}, 90);
  INFO(check.out << check.err);
  CHECK(check.status == 0);
}
