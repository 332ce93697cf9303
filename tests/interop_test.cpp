// Demos 03, 04 and 05 against the classic Python programs, in both roles.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support.hpp"

using test::binary;
using test::port_of;

namespace {

std::string classic_peers() {
  // tests/ sits two levels above build/bin: the source tree, not the build.
  auto root = std::filesystem::path(binary("x")).parent_path().parent_path().parent_path();
  if (!std::filesystem::exists(root / "tests/classic_peers.py")) root = std::filesystem::current_path();
  return (root / "tests/classic_peers.py").string();
}

std::string seq(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += std::to_string(i) + "\n";
  return out;
}

}  // namespace

TEST_CASE("classic_peers.py without arguments prints its usage", "[interop]") {
  auto r = test::run({"python3", classic_peers()});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::StartsWith("usage:") && Catch::Contains("raw|naive|struct client PORT CMD..."));
}

TEST_CASE("a classic Python recv(1024) client talks to 03's server and falls out of step", "[interop]") {
  test::Process server({binary("03-command-desync"), "--role", "server", "--port", "0", "--once", "--no-color"});
  auto port = port_of(server.read_line());
  auto client = test::run({"python3", classic_peers(), "raw", "client", port, "seq 400", "echo hi"});
  CHECK(client.status == 0);
  CHECK(client.out.rfind("<<1024>>1\n2\n", 0) == 0);
  // The next answer starts with the tail of seq 400, not "hi": alone (468 bytes), or with
  // "hi\n" behind it when both had arrived by the time of the recv (471).
  CHECK_THAT(client.out, Catch::Contains("<<468>>284\n") || Catch::Contains("<<471>>284\n"));
  CHECK(server.wait() == 0);
}

TEST_CASE("04 and 05 servers answer classic Python clients exactly", "[interop][claim-05-c]") {
  struct Case { const char* demo; const char* mode; std::vector<std::string> flags; };
  // The classic client sends its commands unframed: 05 serves it with --classic, the half fix.
  auto c = GENERATE(values<Case>({{"04-naive-handshake", "naive", {}},
                                  {"05-struct-prefix", "struct", {"--python-i", "--classic"}}}));
  std::vector<std::string> argv{binary(c.demo), "--role", "server", "--port", "0", "--once"};
  argv.insert(argv.end(), c.flags.begin(), c.flags.end());
  test::Process server(argv);
  auto port = port_of(server.read_line());
  auto client = test::run({"python3", classic_peers(), c.mode, "client", port, "seq 400", "echo hi", "seq 3"});
  CHECK(client.status == 0);
  CHECK(client.out == "<<1492>>" + seq(400) + "<<3>>hi\n<<6>>" + seq(3));
  CHECK(server.wait() == 0);
}

TEST_CASE("03, 04 and 05 clients talk to classic Python servers", "[interop][claim-05-c]") {
  struct Case { const char* demo; const char* mode; std::vector<std::string> flags; std::vector<std::string> answers; };
  auto c = GENERATE(values<Case>({
      {"03-command-desync", "raw", {}, {"hi\n"}},
      {"04-naive-handshake", "naive", {}, {seq(400), "\nhi\n"}},
      {"05-struct-prefix", "struct", {"--python-i", "--classic"}, {seq(400), "\nhi\n"}},
  }));
  test::Process server({"python3", classic_peers(), c.mode, "server"});
  auto port = port_of(server.read_line());
  std::vector<std::string> argv{binary(c.demo), "--role", "client", "--port", port, "--no-color"};
  argv.insert(argv.end(), c.flags.begin(), c.flags.end());
  if (std::string(c.mode) == "raw") {
    argv.insert(argv.end(), {"--command", "echo hi"});
  } else {
    argv.insert(argv.end(), {"--command", "seq 400", "--command", "echo hi"});
  }
  auto client = test::run(argv);
  INFO(client.err);
  CHECK(client.status == 0);
  for (const auto& answer : c.answers) CHECK_THAT(client.out, Catch::Contains(answer));
  CHECK(server.wait() == 0);
}
