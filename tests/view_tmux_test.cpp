// sticky-view as a student sees it: a real terminal (tmux, fixed size), real keys, the screen
// read back with capture-pane. Each wait is for text to appear on the screen, not a sleep.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "sticky/trace_json.hpp"

#include "support.hpp"

using test::binary;

namespace {

std::string source_root() {
  auto root = std::filesystem::path(binary("x")).parent_path().parent_path().parent_path();
  return std::filesystem::exists(root / "lessons") ? root.string() : std::filesystem::current_path().string();
}

class Tmux {
 public:
  Tmux(const std::string& command, int width = 80, int height = 24)
      : name_("sticky-test-" + std::to_string(::getpid()) + "-" + std::to_string(++count_)) {
    // The shell keeps the pane open after the viewer exits, so its exit status can be read.
    std::vector<std::string> argv{"tmux", "-L", socket(), "new-session", "-d", "-s", name_, "-x", std::to_string(width),
                                  "-y", std::to_string(height),
                                  "env LANG=C.UTF-8 " + command + "; echo viewer-exited-$?; exec cat"};
    auto r = test::run(argv);
    // The previous test's session was the server's last: a server still exiting refuses the
    // next session once ("server exited unexpectedly"); a new server takes it.
    for (int retry = 0; retry < 5 && r.status != 0 && r.err.find("server exited unexpectedly") != std::string::npos; ++retry) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      r = test::run(argv);
    }
    if (r.status != 0) throw std::runtime_error("tmux failed: " + r.err);
  }
  ~Tmux() { test::run({"tmux", "-L", socket(), "kill-session", "-t", name_}); }
  void keys(const std::vector<std::string>& keys) {
    std::vector<std::string> argv{"tmux", "-L", socket(), "send-keys", "-t", name_};
    argv.insert(argv.end(), keys.begin(), keys.end());
    test::run(argv);
  }
  void resize(int width, int height) {
    test::run({"tmux", "-L", socket(), "resize-window", "-t", name_, "-x", std::to_string(width), "-y", std::to_string(height)});
  }
  std::string screen() { return test::run({"tmux", "-L", socket(), "capture-pane", "-p", "-t", name_}).out; }
  // The screen once `text` is on it (or, after 10 s, whatever it shows).
  std::string wait_for(const std::string& text, bool present = true) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string s;
    while (std::chrono::steady_clock::now() < deadline) {
      s = screen();
      if ((s.find(text) != std::string::npos) == present) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the next frame
    }
    return s;
  }

  // The screen once it differs from `before` (or, after 3 s, whatever it shows).
  std::string wait_for_change(const std::string& before) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    std::string s = screen();
    while (s == before && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      s = screen();
    }
    return s;
  }

 private:
  static std::string socket() { return "sticky-test-" + std::to_string(::getpid()); }
  static inline int count_ = 0;
  std::string name_;
};

std::string recorded_trace() {
  static std::string path;
  if (path.empty()) {
    path = "/tmp/sticky-view-test-" + std::to_string(::getpid()) + "/01-nagle-merge.jsonl";
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    auto r = test::run({binary("01-nagle-merge"), "--json"}, {}, 60);
    std::ofstream(path) << r.out;
  }
  return path;
}

std::string viewer(const std::string& args) {
  return binary("sticky-view") + " --lessons " + source_root() + "/lessons " + args;
}

}  // namespace

TEST_CASE("sticky-view replays demo 01: the merged recv shows messages 1, 2 and 3", "[view][tmux]") {
  Tmux t(viewer("--replay " + recorded_trace()));
  CHECK_THAT(t.wait_for("Press space"), Catch::Contains("01-nagle-merge"));
  for (int i = 0; i < 7; ++i) t.keys({"Space"});
  auto s = t.wait_for("step 7/");
  CHECK_THAT(s, Catch::Contains("recv(1024) → 14 B"));
  CHECK_THAT(s, Catch::Contains("[1]hello[2]world[3]egon"));
  CHECK_THAT(s, Catch::Contains("68656c6c6f") || Catch::Contains("6865 6c6c 6f77"));  // the hex pane

  t.keys({"b"});
  s = t.wait_for("step 6/");
  CHECK_THAT(s, !Catch::Contains("[1]hello[2]world[3]egon"));
  CHECK_THAT(s, Catch::Contains("[3]egon"));

  t.keys({"?"});
  CHECK_THAT(t.wait_for("keys (any key closes)"), Catch::Contains("back one event"));
  t.keys({"x"});
  CHECK_THAT(t.wait_for("keys (any key closes)", false), !Catch::Contains("keys (any key closes)"));

  t.keys({"q"});
  CHECK_THAT(t.wait_for("viewer-exited-"), Catch::Contains("viewer-exited-0"));
}

TEST_CASE("sticky-view says when the terminal is too small and recovers on resize", "[view][tmux]") {
  Tmux t(viewer("--replay " + recorded_trace()));
  t.wait_for("Press space");
  t.resize(60, 20);
  CHECK_THAT(t.wait_for("needs at least 80x24"), Catch::Contains("this terminal is 60x20"));
  t.resize(200, 60);
  auto s = t.wait_for("Press space");
  CHECK_THAT(s, Catch::Contains("received: each recv() call"));
  t.keys({"End"});
  CHECK_THAT(t.wait_for("Result:"), Catch::Contains("Result:"));
  t.keys({"q"});
  CHECK_THAT(t.wait_for("viewer-exited-"), Catch::Contains("viewer-exited-0"));
}

TEST_CASE("sticky-view --proxy shows a live conversation between two other programs", "[view][tmux]") {
  test::Process server({binary("03-command-desync"), "--role", "server", "--port", "0"});
  auto port = test::port_of(server.read_line());
  Tmux t(viewer("--proxy 0 --to 127.0.0.1:" + port + " --split down:64"), 100, 40);
  auto s = t.wait_for("listening on 127.0.0.1:");
  auto at = s.find("listening on 127.0.0.1:");
  REQUIRE(at != std::string::npos);
  std::string proxy_port;
  for (std::size_t i = at + 23; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) proxy_port += s[i];
  auto client = test::run({binary("03-command-desync"), "--role", "client", "--port", proxy_port, "--command", "seq 40"});
  CHECK(client.status == 0);
  s = t.wait_for("relay wrote → 47 B");
  // The relay's own calls are named as such: what it read from the client, what it wrote.
  CHECK_THAT(s, Catch::Contains("client relay read → 6 B"));
  CHECK_THAT(s, Catch::Contains("client relay wrote → 47 B"));  // the 111-byte answer, cut by the relay at 64
  CHECK_THAT(s, Catch::Contains("[…1]"));
  t.keys({"q"});
  CHECK_THAT(t.wait_for("viewer-exited-"), Catch::Contains("viewer-exited-0"));
  server.signal(SIGINT);
  server.wait();
}

TEST_CASE("sticky-view without a terminal refuses clearly; --export-svg needs none", "[view]") {
  auto r = test::run({binary("sticky-view"), "--replay", recorded_trace()});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("draws on a terminal"));
  std::string svg = "/tmp/sticky-view-test-" + std::to_string(::getpid()) + "/01.svg";
  r = test::run({binary("sticky-view"), "--replay", recorded_trace(), "--export-svg", svg});
  CHECK(r.status == 0);
  std::ifstream in(svg);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  CHECK_THAT(text, Catch::StartsWith("<svg"));
  CHECK(test::run({binary("sticky-view"), "--replay", "/nonexistent"}).status == 2);
  CHECK(test::run({binary("sticky-view"), "--bogus"}).status == 2);
  CHECK(test::run({binary("sticky-view"), "--help"}).status == 0);
}

TEST_CASE("sticky-view in Chinese at 80x24: panels, key bar and help, nothing that matters cut", "[view][tmux][zh]") {
  auto trace = std::filesystem::temp_directory_path() / ("sticky-zh-" + std::to_string(::getpid()) + ".jsonl");
  {
    auto r = test::run({binary("05-struct-prefix"), "--json"}, {}, 60);
    REQUIRE(r.status == 0);
    std::ofstream(trace) << r.out;
  }
  // LANG names Chinese; no zh_CN locale is generated on this machine, and none is needed.
  Tmux t("LANG=zh_CN.UTF-8 " + binary("sticky-view") + " --lessons " + source_root() + "/lessons --replay " +
         trace.string());
  auto s = t.wait_for("空格 下一步");
  for (int i = 0; i < 12; ++i) t.keys({"Space"});
  s = t.wait_for("收到：每次 recv() 调用");
  CHECK_THAT(s, Catch::Contains("发出：每次 send() 调用"));
  CHECK_THAT(s, Catch::Contains("? 帮助") && Catch::Contains("q 退出"));  // help and quit are the last to go
  CHECK_THAT(s, Catch::Contains("十六进制"));
  t.keys({"?"});
  s = t.wait_for("按键（按任意键关闭）");
  CHECK_THAT(s, Catch::Contains("下一步"));
  t.keys({"q"});
  t.keys({"q"});
  CHECK_THAT(t.wait_for("viewer-exited-"), Catch::Contains("viewer-exited-0"));
  std::filesystem::remove(trace);
}

namespace {
// Lesson 03's Python server and client, both recorded by sticky-trace into one file, as the
// lesson's "See it in your own program" has the student do: labels as long as script names
// get (the server's is the script's name; the client's a longer --label still).
const std::string kLongLabel = "03-client-commands-naive-from-the-student-folder.py";
std::string recorded_python_trace() {
  static std::string path;
  if (path.empty()) {
    path = "/tmp/sticky-view-test-" + std::to_string(::getpid()) + "/03-python.jsonl";
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::filesystem::remove(path);
    const std::string python = source_root() + "/lessons/python/";
    test::Process server({binary("sticky-trace"), "-q", "-o", path, "--", "python3", python + "03-server-commands-naive.py",
                          "--port", "0", "--once"});
    auto port = test::port_of(server.read_line(20));
    auto client = test::run({binary("sticky-trace"), "-q", "-o", path, "--label", kLongLabel, "--", "python3",
                             python + "03-client-commands-naive.py", "--port", port, "--command", "lorem 5000", "--command",
                             "echo hi"});
    if (client.status != 0) throw std::runtime_error("the traced client failed: " + client.err);
    server.wait(20);  // it may end with a reset: the client closed with an answer unread
  }
  return path;
}

// Every recv the screen names shows its byte count: "recv(1024) → 1024 B" in the calls panel,
// "recv(1024) — 1024 bytes" in the hex pane's title. Returns the lines that do not.
std::vector<std::string> recv_lines_without_count(const std::string& screen) {
  static const std::regex any_recv(R"(recv\(\d)"), with_count(R"(recv\(\d+\) (→ \d+ B|— \d+ bytes))");
  std::vector<std::string> bad;
  std::istringstream lines(screen);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("│") && !line.starts_with("┌")) continue;  // the panels, not the lesson's claim
    auto count = [&](const std::regex& r) { return std::distance(std::sregex_iterator(line.begin(), line.end(), r), {}); };
    if (count(any_recv) != count(with_count)) bad.push_back(line);
  }
  return bad;
}
}  // namespace

TEST_CASE("a long program name never hides a recv's byte count, at 80x24 and 100x30", "[view][tmux]") {
  auto trace = recorded_python_trace();
  std::ifstream in(trace);
  const std::string end = fmt::format("step {0}/{0}", sticky::read_trace(in).size());
  for (auto [width, height] : {std::pair{80, 24}, std::pair{100, 30}}) {
    INFO(width << "x" << height);
    Tmux t(viewer("--replay " + trace), width, height);
    auto s = t.wait_for("Press space");
    int recvs_seen = 0;
    // Every step of the trace, each screen read back: every recv heading on it has its count.
    for (int i = 0; i < 60 && s.find(end) == std::string::npos; ++i) {
      t.keys({"Space"});
      s = t.wait_for_change(s);
      INFO(s);
      CHECK(recv_lines_without_count(s) == std::vector<std::string>{});
      recvs_seen += s.find("recv(1024) → 1024 B") != std::string::npos;
    }
    CHECK_THAT(s, Catch::Contains(end));
    CHECK(recvs_seen > 0);
    t.keys({"Home"});
    s = t.wait_for("recv(1024) → 1024 B");
    for (int i = 0; i < 60 && s.find("recv(1024) → 1024 B") == std::string::npos; ++i) {
      t.keys({"Space"});
      s = t.wait_for_change(s);
    }
    INFO(s);
    // The long label gave way: its start, the pid, the call and the count are on screen.
    CHECK_THAT(s, Catch::Contains("03-client-") && Catch::Contains("] recv(1024) → 1024 B"));
    std::istringstream lines(s);  // too long for a column of either screen: shortened there
    for (std::string line; std::getline(lines, line);)
      if (line.find(" → ") != std::string::npos) CHECK_THAT(line, !Catch::Contains(kLongLabel + " ["));
    CHECK_THAT(s, Catch::Contains("03-server-commands-naive.py [") || Catch::Contains("03-server-c"));
    t.keys({"q"});
    CHECK_THAT(t.wait_for("viewer-exited-"), Catch::Contains("viewer-exited-0"));
  }
}

TEST_CASE("the hex pane scrolls to the last byte of a 1024-byte recv: PgDn, >, <, PgUp", "[view][tmux]") {
  auto trace = recorded_python_trace();
  // The first recv of the client: the first 1024 bytes of `lorem 5000`.
  std::string data;
  {
    std::ifstream in(trace);
    for (const auto& e : sticky::read_trace(in))
      if (e.op == sticky::Op::recv && e.data.size() == 1024 && data.empty()) data = e.data;
  }
  REQUIRE(data.size() == 1024);
  // The last line as the pane shows it: offset, 16 bytes in pairs.
  std::string last = "000003f0: ";
  for (std::size_t i = 1008; i < 1024; ++i) last += fmt::format("{:02x}{}", static_cast<unsigned char>(data[i]), i % 2 ? " " : "");
  last.pop_back();

  Tmux t(viewer("--replay " + trace));
  std::string s = t.wait_for("Press space");
  for (int i = 0; i < 40 && s.find("recv(1024) — 1024 bytes") == std::string::npos; ++i) {
    t.keys({"Space"});
    s = t.wait_for_change(s);
  }
  REQUIRE_THAT(s, Catch::Contains("recv(1024) — 1024 bytes"));  // the hex pane shows it
  CHECK_THAT(s, Catch::Contains("00000000: ") && Catch::Contains("more bytes (PgDn, > the last)"));
  CHECK_THAT(s, Catch::Contains("PgDn hex"));  // said in the key bar
  CHECK_THAT(s, !Catch::Contains("000003f0: "));

  // Page by page, every line comes, down to the last one; then no "more" line is left.
  int pages = 0;
  while (pages < 40 && t.screen().find(last) == std::string::npos) {
    t.keys({"NPage"});
    ++pages;
    t.wait_for(fmt::format("{:08x}: ", std::min(0x30 * pages, 0x3c0)));  // the window's first line
  }
  s = t.wait_for(last);
  INFO(s);
  CHECK_THAT(s, Catch::Contains(last));
  CHECK(pages == 20);  // 64 lines, 3 more a page (the fourth line says how many bytes follow)
  CHECK_THAT(s, !Catch::Contains("more bytes"));
  t.keys({"NPage"});  // never past the last byte
  CHECK_THAT(t.wait_for(last), Catch::Contains("000003c0: ") && Catch::Contains(last));

  t.keys({"<"});
  CHECK_THAT(t.wait_for("00000000: "), !Catch::Contains(last));
  t.keys({">"});
  CHECK_THAT(t.wait_for(last), Catch::Contains(last));
  t.keys({"PPage"});
  CHECK_THAT(t.wait_for("00000390: "), Catch::Contains("more bytes"));
  // Another call: its hex from its first byte.
  t.keys({"Space"});
  CHECK_THAT(t.wait_for("00000000: "), Catch::Contains("00000000: "));
  t.keys({"?"});
  CHECK_THAT(t.wait_for("keys (any key closes)"), Catch::Contains("scroll the hex pane down"));
  t.keys({"q"});
  t.keys({"q"});
  CHECK_THAT(t.wait_for("viewer-exited-"), Catch::Contains("viewer-exited-0"));
}
