// sticky-trace as a user meets it: real Python programs (tests/trace_programs/) run under
// the launcher, their traces read back line by line with nlohmann::json.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "model.hpp"
#include "sticky/trace_json.hpp"
#include "support.hpp"

using nlohmann::json;
using test::binary;

namespace {

namespace fs = std::filesystem;

// tests/ sits two levels above build/bin: the source tree, not the build.
fs::path source_root() {
  auto root = fs::path(binary("x")).parent_path().parent_path().parent_path();
  return fs::exists(root / "tests/trace_programs") ? root : fs::current_path();
}

std::string program(const std::string& name) { return (source_root() / "tests/trace_programs" / name).string(); }

fs::path trace_library() { return (fs::path(binary("x")).parent_path() / "../lib/libsticky-trace.so").lexically_normal(); }

// A fresh directory for one test's trace files, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sticky-trace-test.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::vector<std::string> traced(const std::string& file, std::vector<std::string> command,
                                std::vector<std::string> options = {}) {
  std::vector<std::string> argv{binary("sticky-trace"), "-o", file};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

// Every line of the trace: each must be one whole JSON object ending in a newline (a torn
// line from two writers would fail to parse).
std::vector<json> read_events(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  std::vector<json> events;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    INFO(line);
    json event;
    REQUIRE_NOTHROW(event = json::parse(line));
    REQUIRE(event.is_object());
    events.push_back(std::move(event));
  }
  return events;
}

std::vector<json> where(const std::vector<json>& events, const std::function<bool(const json&)>& keep) {
  std::vector<json> out;
  for (const auto& e : events)
    if (keep(e)) out.push_back(e);
  return out;
}

std::vector<json> with_op(const std::vector<json>& events, const std::string& op) {
  return where(events, [&](const json& e) { return e.value("op", "") == op; });
}

// The first line each process writes is its meta line; seq counts up from 1 per process.
void check_processes(const std::vector<json>& events) {
  std::map<int, std::uint64_t> last_seq;
  for (const auto& e : events) {
    INFO(e.dump());
    REQUIRE(e.contains("pid"));
    int pid = e["pid"].get<int>();
    if (!last_seq.count(pid)) {
      CHECK(e["op"] == "meta");
      CHECK(e["format"] == 1);
      CHECK(e["argv"].is_array());
      CHECK(e["seq"] == 1);
    } else {
      CHECK(e["seq"].get<std::uint64_t>() > 0);
    }
    last_seq[pid] = e["seq"].get<std::uint64_t>();
  }
}

std::string hex(const std::string& text) { return test::hex(text); }

}  // namespace

TEST_CASE("two traced processes share one file: hello, world, egon sent three times, received once",
          "[sticky-trace]") {
  TempDir dir;
  auto file = dir.file("lesson.jsonl");
  test::Process server(traced(file, {"python3", program("classic_server.py")}));
  auto port = test::port_of(server.read_line(20));
  auto client = test::run(traced(file, {"python3", program("classic_client.py"), port}));
  INFO(client.err);
  REQUIRE(client.status == 0);
  CHECK(server.read_line(20) == "received b'helloworldegon'");
  REQUIRE(server.wait(20) == 0);

  auto events = read_events(file);
  check_processes(events);
  auto client_side = where(events, [](const json& e) { return e.value("side", "") == "classic_client.py"; });
  auto server_side = where(events, [](const json& e) { return e.value("side", "") == "classic_server.py"; });
  REQUIRE(!client_side.empty());
  REQUIRE(!server_side.empty());
  CHECK(client_side.front()["pid"] != server_side.front()["pid"]);

  auto sends = with_op(client_side, "send");
  REQUIRE(sends.size() == 3);
  CHECK(sends[0]["bytes"] == 5);
  CHECK(sends[1]["bytes"] == 5);
  CHECK(sends[2]["bytes"] == 4);
  CHECK(sends[0]["data"] == hex("hello"));
  CHECK(sends[1]["data"] == hex("world"));
  CHECK(sends[2]["data"] == hex("egon"));
  for (const auto& s : sends) CHECK(s["call"] == "send");

  auto recvs = with_op(server_side, "recv");
  REQUIRE(recvs.size() == 1);
  CHECK(recvs[0]["want"] == 1024);
  CHECK(recvs[0]["bytes"] == 14);
  CHECK(recvs[0]["data"] == hex("helloworldegon"));

  auto connects = with_op(client_side, "connect");
  auto accepts = with_op(server_side, "accept");
  REQUIRE(connects.size() == 1);
  REQUIRE(accepts.size() == 1);
  CHECK(accepts[0]["peer"] == connects[0]["local"]);  // the two traces join
  CHECK(connects[0]["peer"] == accepts[0]["local"]);
  CHECK(connects[0]["peer"] == "127.0.0.1:" + port);
  CHECK(with_op(server_side, "listen").at(0)["local"] == "127.0.0.1:" + port);
  // The same connection id for every call on one socket.
  CHECK(recvs[0]["conn"] == accepts[0]["conn"]);
  for (const auto& s : sends) CHECK(s["conn"] == connects[0]["conn"]);
  // t_us orders the two processes: every send before the recv that got its bytes.
  CHECK(sends[2]["t_us"].get<std::int64_t>() < recvs[0]["t_us"].get<std::int64_t>());

  // The viewer joins the two processes: the 14 bytes are coloured by messages 1, 2 and 3.
  std::ifstream in(file);
  view::Model model;
  for (auto& e : sticky::read_trace(in)) model.add(std::move(e));
  std::vector<std::uint64_t> origins;
  for (const auto& c : model.calls())
    if (!c.is_send && c.data == "helloworldegon")
      for (const auto& span : c.spans) origins.push_back(span.msg);
  CHECK(origins == std::vector<std::uint64_t>{1, 2, 3});
}

TEST_CASE("socketserver's forking and threading servers: children and threads are traced, rfile reads seen",
          "[sticky-trace]") {
  std::string kind = GENERATE(as<std::string>{}, "forking", "threading");
  TempDir dir;
  auto file = dir.file("t.jsonl");
  auto run = test::run(traced(file, {"python3", program("socketserver_kinds.py"), kind}), {}, 60);
  INFO(run.err);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Catch::StartsWith("HELLO\nWORLD\n"));

  auto events = read_events(file);
  check_processes(events);
  int main_pid = events.front()["pid"];
  auto accepts = with_op(events, "accept");
  REQUIRE(accepts.size() == 2);
  for (const std::string word : {"hello\n", "world\n"}) {
    INFO(kind << " " << word);
    // The handler's rfile.readline(): a buffered read through recv_into, i.e. recv().
    auto reads = where(events, [&](const json& e) { return e["op"] == "recv" && e.value("data", "") == hex(word); });
    REQUIRE(reads.size() == 1);
    CHECK(reads[0]["call"] == "recv");
    CHECK(reads[0]["want"].get<int>() >= 6);
    auto answers = where(events, [&](const json& e) {
      std::string upper = word == "hello\n" ? "HELLO\n" : "WORLD\n";
      return e["op"] == "send" && e.value("data", "") == hex(upper);
    });
    REQUIRE(answers.size() == 1);
    CHECK(answers[0]["pid"] == reads[0]["pid"]);
    if (kind == "forking") {
      CHECK(reads[0]["pid"] != main_pid);  // the child that handled the request
    } else {
      CHECK(reads[0]["pid"] == main_pid);
      CHECK(reads[0]["tid"] != main_pid);
      CHECK(reads[0]["tid"] != accepts[0]["tid"]);  // a handler thread, not the serving one
    }
    // The child keeps its parent's connection id for the socket it inherited.
    bool same_conn = false;
    for (const auto& a : accepts) same_conn = same_conn || a["conn"] == reads[0]["conn"];
    CHECK(same_conn);
  }
  std::set<int> pids;
  for (const auto& e : events) pids.insert(e["pid"].get<int>());
  CHECK(pids.size() == (kind == "forking" ? 3u : 1u));
}

TEST_CASE("UDP: an empty datagram is sent and received, both recorded as datagrams", "[sticky-trace]") {
  TempDir dir;
  auto file = dir.file("t.jsonl");
  auto run = test::run(traced(file, {"python3", program("udp_empty.py")}));
  INFO(run.err);
  REQUIRE(run.status == 0);
  std::istringstream out(run.out);
  std::string ok, sender_port, receiver_port;
  out >> ok >> sender_port >> receiver_port;
  REQUIRE(ok == "ok");

  auto events = read_events(file);
  auto sends = with_op(events, "send");
  auto recvs = with_op(events, "recv");
  REQUIRE(sends.size() == 1);
  REQUIRE(recvs.size() == 1);
  CHECK(sends[0]["call"] == "sendto");
  CHECK(sends[0]["want"] == 0);
  CHECK(sends[0]["bytes"] == 0);
  CHECK(sends[0]["data"] == "");
  CHECK(sends[0]["peer"] == "127.0.0.1:" + receiver_port);
  CHECK(sends[0]["facts"]["datagram"] == true);
  CHECK(recvs[0]["call"] == "recvfrom");
  CHECK(recvs[0]["want"] == 1024);
  CHECK(recvs[0]["bytes"] == 0);
  CHECK(recvs[0]["data"] == "");
  CHECK(recvs[0]["peer"] == "127.0.0.1:" + sender_port);
  CHECK(recvs[0]["facts"]["datagram"] == true);
}

TEST_CASE("a non-blocking recv still raises BlockingIOError, and the trace shows EAGAIN", "[sticky-trace]") {
  TempDir dir;
  auto file = dir.file("t.jsonl");
  auto run = test::run(traced(file, {"python3", program("nonblocking.py")}));
  INFO(run.out << run.err);
  CHECK(run.status == 0);
  CHECK_THAT(run.out, Catch::StartsWith("BlockingIOError 11"));
  auto recvs = with_op(read_events(file), "recv");
  REQUIRE(recvs.size() == 1);
  CHECK(recvs[0]["errno"] == "EAGAIN");
  CHECK(recvs[0]["want"] == 1024);
  CHECK(!recvs[0].contains("bytes"));
  CHECK(!recvs[0].contains("data"));
}

TEST_CASE("the command's exit status is passed through, a signal death as 128+N", "[sticky-trace]") {
  TempDir dir;
  auto file = dir.file("t.jsonl");
  CHECK(test::run(traced(file, {"python3", "-c", "import sys; sys.exit(3)"})).status == 3);
  CHECK(test::run(traced(file, {"python3", "-c",
                                "import os, signal; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                                "os.kill(os.getpid(), signal.SIGINT)"}))
            .status == 130);
  CHECK(test::run(traced(file, {"sh", "-c", "kill -TERM $$"})).status == 143);
  CHECK(test::run(traced(file, {"false"})).status == 1);
  auto missing = test::run(traced(file, {"no-such-command-sticky"}));
  CHECK(missing.status == 127);
  CHECK_THAT(missing.err, Catch::Contains("cannot run no-such-command-sticky"));
  // stdin and stdout are the command's own.
  auto cat = test::run(traced(file, {"cat"}), "through\n");
  CHECK(cat.status == 0);
  CHECK(cat.out == "through\n");
}

TEST_CASE("a bulk transfer with --max-data 64 keeps the trace small and counts what it left out",
          "[sticky-trace]") {
  const std::int64_t size = 8 << 20;
  TempDir dir;
  auto file = dir.file("t.jsonl");
  auto run = test::run(traced(file, {"python3", program("bulk.py"), std::to_string(size)}, {"--max-data", "64"}), {}, 60);
  INFO(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.out == std::to_string(size) + "\n");

  auto events = read_events(file);
  std::int64_t sent = 0, received = 0;
  for (const auto& e : events) {
    if (e["op"] != "send" && e["op"] != "recv") continue;
    INFO(e.dump());
    auto bytes = e["bytes"].get<std::int64_t>();
    auto kept = static_cast<std::int64_t>(e["data"].get<std::string>().size() / 2);
    CHECK(kept == std::min<std::int64_t>(bytes, 64));
    CHECK(kept + e.value("data_left_out", std::int64_t{0}) == bytes);
    (e["op"] == "send" ? sent : received) += bytes;
  }
  CHECK(sent == size);
  CHECK(received == size);
  auto file_size = static_cast<std::int64_t>(fs::file_size(file));
  CHECK(file_size < static_cast<std::int64_t>(events.size()) * 600);
  CHECK(file_size < size / 16);
}

TEST_CASE("a trace file that cannot be written: the program runs intact, sticky-trace says so", "[sticky-trace]") {
  auto run = test::run({binary("sticky-trace"), "-o", "/nonexistent/dir/x.jsonl", "--", "python3", program("udp_empty.py")});
  CHECK(run.status == 0);
  CHECK_THAT(run.out, Catch::StartsWith("ok "));
  CHECK_THAT(run.err, Catch::Contains("sticky-trace: could not write the trace to /nonexistent/dir/x.jsonl: "
                                      "No such file or directory"));
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  CHECK(!fs::exists("/nonexistent/dir/x.jsonl"));

  auto status = test::run({binary("sticky-trace"), "-o", "/nonexistent/dir/x.jsonl", "--", "python3", "-c",
                           "import socket, sys; a, b = socket.socketpair(); a.send(b'x'); print('out'); sys.exit(5)"});
  CHECK(status.status == 5);
  CHECK(status.out == "out\n");
}

TEST_CASE("a program whose socket calls cannot be seen: sticky-trace says so", "[sticky-trace]") {
  TempDir dir;
  auto file = dir.file("t.jsonl");
  auto run = test::run(traced(file, {"true"}));
  CHECK(run.status == 0);
  CHECK(run.err ==
        "sticky-trace: no socket calls were recorded: true may not use the C library for sockets\n");
  CHECK(!fs::exists(file));  // nothing recorded, nothing written, not even a meta line
}

TEST_CASE("the recorder exports only the functions it interposes", "[sticky-trace]") {
  auto nm = test::run({"nm", "-D", "--defined-only", trace_library().string()});
  REQUIRE(nm.status == 0);
  const std::set<std::string> interposed = {
      "socket", "socketpair", "dup",    "dup2",     "dup3",     "connect",    "accept",         "accept4",
      "bind",   "listen",     "shutdown", "close",  "close_range", "closefrom", "send",    "sendto",         "sendmsg",
      "sendmmsg", "write",    "writev", "recv",     "recvfrom", "recvmsg",    "recvmmsg",       "read",
      "readv",  "__recv_chk", "__recvfrom_chk", "__read_chk"};
  std::istringstream lines(nm.out);
  std::string line;
  std::set<std::string> exported;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string address, type, name;
    words >> address >> type >> name;
    INFO(line);
    CHECK(name.rfind("_Z", 0) != 0);  // no C++ symbol
    CHECK(interposed.count(name) == 1);
    exported.insert(name);
  }
  CHECK(exported == interposed);
  auto needed = test::run({"readelf", "-d", trace_library().string()});
  CHECK_THAT(needed.out, !Catch::Contains("libstdc++") && !Catch::Contains("libfmt") && !Catch::Contains("libsticky"));
}

TEST_CASE("files, pipes and the terminal are never recorded; closing or dup2ing the trace fd loses nothing",
          "[sticky-trace]") {
  TempDir dir;
  auto file = dir.file("t.jsonl");
  auto run = test::run(traced(file, {"python3", program("files_pipes.py")}));
  INFO(run.err);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Catch::StartsWith("stdout bytes\ndup2 over fd ") && Catch::EndsWith("done\n"));

  auto events = read_events(file);
  std::multiset<std::string> moved;
  for (const auto& e : events) {
    if (e["op"] == "meta") continue;
    INFO(e.dump());
    CHECK((e["op"] == "send" || e["op"] == "recv" || e["op"] == "close"));
    if (e.contains("data")) moved.insert(e["data"].get<std::string>());
  }
  CHECK(moved == std::multiset<std::string>{hex("one"), hex("one"), hex("two"), hex("two"), hex("three"),
                                            hex("three")});
}

TEST_CASE("asyncio streams and TLS through OpenSSL's socket BIO are seen", "[sticky-trace]") {
  TempDir dir;
  SECTION("asyncio") {
    auto file = dir.file("asyncio.jsonl");
    auto run = test::run(traced(file, {"python3", program("asyncio_echo.py")}));
    INFO(run.err);
    REQUIRE(run.status == 0);
    CHECK(run.out == "ping\n");
    auto events = read_events(file);
    auto sends = where(events, [](const json& e) { return e["op"] == "send" && e["data"] == hex("ping\n"); });
    auto recvs = where(events, [](const json& e) { return e["op"] == "recv" && e.value("data", "") == hex("ping\n"); });
    CHECK(sends.size() == 2);  // the client's request and the server's echo
    CHECK(recvs.size() == 2);
    auto connects = with_op(events, "connect");
    REQUIRE(connects.size() == 1);
    CHECK(connects[0]["errno"] == "EINPROGRESS");  // non-blocking: still has both addresses
    CHECK(connects[0].contains("local"));
    CHECK(connects[0].contains("peer"));
  }
  SECTION("TLS") {
    auto cert = dir.file("cert.pem"), key = dir.file("key.pem");
    auto made = test::run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"});
    if (made.status != 0) {
      WARN("openssl cannot make a certificate here; TLS not checked");
      return;
    }
    auto file = dir.file("tls.jsonl");
    auto run = test::run(traced(file, {"python3", program("tls_echo.py"), cert, key}));
    INFO(run.err);
    REQUIRE(run.status == 0);
    CHECK(run.out == "PING\n");
    auto events = read_events(file);
    auto writes = where(events, [](const json& e) { return e["op"] == "send" && e["call"] == "write"; });
    auto reads = where(events, [](const json& e) { return e["op"] == "recv" && e["call"] == "read"; });
    REQUIRE(!writes.empty());
    CHECK(!reads.empty());
    // The first record on the wire: a TLS handshake (0x16), the ClientHello.
    CHECK(writes[0]["data"].get<std::string>().rfind("16", 0) == 0);
  }
}

TEST_CASE("sticky-trace's command line: --help in 80 columns, usage errors exit 2, --label", "[sticky-trace]") {
  auto help = test::run({binary("sticky-trace"), "--help"});
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("COMMAND") && Catch::Contains("--max-data") && Catch::Contains("--label"));
  std::istringstream lines(help.out);
  std::string line;
  while (std::getline(lines, line)) {
    INFO(line);
    CHECK(line.size() <= 80);
  }
  for (const std::vector<std::string>& args : {std::vector<std::string>{}, {"--bogus", "true"}, {"--max-data", "x", "true"},
                                               {"-o", "", "true"}}) {
    std::vector<std::string> argv{binary("sticky-trace")};
    argv.insert(argv.end(), args.begin(), args.end());
    auto bad = test::run(argv);
    INFO(bad.err);
    CHECK(bad.status == 2);
    CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 2);
    CHECK_THAT(bad.err, Catch::EndsWith("Run 'sticky-trace --help' for usage.\n"));
  }

  TempDir dir;
  auto file = dir.file("t.jsonl");
  auto run = test::run(traced(file, {"python3", program("udp_empty.py")}, {"--label", "teacher", "--quiet"}));
  CHECK(run.status == 0);
  CHECK(run.err.empty());
  for (const auto& e : read_events(file)) {
    CHECK(e["side"] == "teacher");
    if (e["op"] != "meta") CHECK(e["prog"] == "teacher");
  }
}
