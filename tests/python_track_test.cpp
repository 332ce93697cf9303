// The student's Python programs in lessons/python/, run as a student runs them: every one
// answers --help; the classic ones show their lesson's phenomenon, against each other and
// against our demos; the fixed ones interoperate with our demos in either role. Servers
// start on port 0 and say where they listen in their first line, as our demos do.
#include <catch2/catch.hpp>

#include <signal.h>

#include <cctype>
#include <filesystem>
#include <set>

#include "support.hpp"

using test::binary;

namespace {

namespace fs = std::filesystem;

fs::path source_root() {
  // The tests sit three levels above build/bin/sticky-tests: the source tree, not the build.
  auto root = fs::path(binary("x")).parent_path().parent_path().parent_path();
  if (!fs::exists(root / "lessons/python")) root = fs::current_path();
  return root;
}

std::string program(const std::string& name) { return (source_root() / "lessons/python" / name).string(); }

// Text out as UTF-8 whatever the locale; no __pycache__ left in the source tree.
const std::vector<std::string> kEnv{"PYTHONIOENCODING=utf-8", "PYTHONDONTWRITEBYTECODE=1"};

std::vector<std::string> python(const std::string& name, std::vector<std::string> args = {}) {
  std::vector<std::string> argv{"python3", program(name)};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

test::Run run_python(const std::string& name, std::vector<std::string> args = {}) {
  return test::run(python(name, std::move(args)), {}, 20, kEnv);
}

// A server, Python or ours, started with --port 0; its first line says where it listens.
// Python servers start with SIGINT at its default action, as from a terminal: a shell that
// runs the tests in the background hands its children SIGINT ignored, and Python keeps that.
struct Server {
  explicit Server(std::vector<std::string> argv) : process(sigint_default(std::move(argv)), kEnv) {
    line = process.read_line(10);
    port = test::port_of(line);
  }
  // Ctrl-C, as a student stops a server; the exit status.
  int interrupt() {
    process.signal(SIGINT);
    return process.wait(10);
  }
  // What it printed after its first line, once it has exited.
  std::string rest() {
    std::string all, next;
    while (!(next = process.read_line(5)).empty()) all += next + "\n";
    return all;
  }
  static std::vector<std::string> sigint_default(std::vector<std::string> argv) {
    if (argv[0] != "python3") return argv;
    std::vector<std::string> out{"python3", "-c",
                                 "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                                 "os.execvp(sys.argv[1], sys.argv[1:])"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }
  test::Process process;
  std::string line, port;
};

std::string seq(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += std::to_string(i) + "\n";
  return out;
}

// The number just before `suffix` ("20 requests, 41.9 ms per request" -> 41.9), or -1.
double number_before(const std::string& text, const std::string& suffix) {
  auto end = text.find(suffix);
  if (end == std::string::npos || end == 0) return -1;
  auto begin = text.find_last_not_of("0123456789.", end - 1) + 1;
  return begin < end ? std::stod(text.substr(begin, end - begin)) : -1;
}

// The digits just after `prefix` ("returned 32741; …" -> "32741"), or "".
std::string digits_after(const std::string& text, const std::string& prefix) {
  auto begin = text.find(prefix);
  if (begin == std::string::npos) return {};
  begin += prefix.size();
  auto end = text.find_first_not_of("0123456789", begin);
  return text.substr(begin, end - begin);
}

// The demos' narration wraps at 80 columns: each line break, with the indent after it, as
// one space, so a sentence reads the same wherever it was wrapped.
std::string unwrapped(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') {
      out += text[i];
      continue;
    }
    while (i + 1 < text.size() && text[i + 1] == ' ') ++i;
    out += ' ';
  }
  return out;
}

// The result event, the last line of a demo's --json trace.
nlohmann::json result_of(std::string trace) {
  while (!trace.empty() && trace.back() == '\n') trace.pop_back();
  return nlohmann::json::parse(trace.substr(trace.rfind('\n') + 1));  // npos + 1: the only line
}

bool is_lesson_program(const std::string& name) {
  return name.size() > 6 && std::isdigit(static_cast<unsigned char>(name[0])) &&
         std::isdigit(static_cast<unsigned char>(name[1])) && name[2] == '-' && name.ends_with(".py");
}

}  // namespace

TEST_CASE("every program in lessons/python answers --help", "[python-track]") {
  std::set<std::string> lessons;
  int programs = 0;
  for (const auto& entry : fs::directory_iterator(source_root() / "lessons/python")) {
    std::string name = entry.path().filename().string();
    if (!is_lesson_program(name)) continue;
    ++programs;
    lessons.insert(name.substr(0, 2));
    auto r = run_python(name, {"--help"});
    INFO(name << ": " << r.err);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::StartsWith("usage: "));
    CHECK_THAT(r.out, Catch::Contains("--port"));
  }
  CHECK(programs >= 28);
  CHECK(lessons == std::set<std::string>{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"});
}

TEST_CASE("01: a late reader gets three sends in one recv; the line server finds them apart", "[python-track]") {
  {
    Server server(python("01-server-late-reader.py", {"--port", "0", "--once"}));
    auto client = run_python("01-client-three-sends.py", {"--port", server.port});
    CHECK(client.status == 0);
    CHECK(server.process.wait() == 0);
    CHECK_THAT(server.rest(), Catch::StartsWith("recv(1024) returned 14 bytes: b'helloworldegon'\n"));
  }
  {  // our demo's client, the classic server
    Server server(python("01-server-late-reader.py", {"--port", "0", "--once"}));
    auto client = test::run({binary("01-nagle-merge"), "--role", "client", "--port", server.port});
    CHECK(client.status == 0);
    CHECK(server.process.wait() == 0);
    CHECK_THAT(server.rest(), Catch::StartsWith("recv(1024) returned 14 bytes: b'helloworldegon'\n"));
  }
  {  // the classic client, our demo's server
    Server server({binary("01-nagle-merge"), "--role", "server", "--port", "0", "--once", "--no-color"});
    auto client = run_python("01-client-three-sends.py", {"--port", server.port});
    CHECK(client.status == 0);
    CHECK(server.process.wait() == 0);
    CHECK_THAT(server.rest(), Catch::Contains("14 bytes  \"helloworldegon\""));
  }
  {
    Server server(python("01-server-lines.py", {"--port", "0", "--once"}));
    CHECK(run_python("01-client-three-lines.py", {"--port", server.port}).status == 0);
    CHECK(server.process.wait() == 0);
    CHECK(server.rest() == "message: b'hello'\nmessage: b'world'\nmessage: b'egon'\n");
  }
}

TEST_CASE("02: recv(1), recv(5), recv(1024) of one send return 1, 5 and 8 bytes", "[python-track]") {
  // As demo 02: the word; 256 KiB read late with recv(262144); 64 KiB with recv(1024);
  // after "go", 256 KiB with recv_exact.
  const std::string expected =
      "recv(1) returned 1 bytes: b'h'\nrecv(5) returned 5 bytes: b'ellow'\nrecv(1024) returned 8 bytes: b'orldegon'\n";
  auto check_python_server = [](const std::string& out) {
    // A recv as big as the message, made late, still returns part of it (claim 02-b).
    std::string first = digits_after(out, "then recv(262144) returned ");
    REQUIRE_FALSE(first.empty());
    CHECK(std::stoul(first) > 0);
    CHECK(std::stoul(first) < 262144);
    CHECK_THAT(out, Catch::Contains(" calls for 262144 bytes (receive buffer: "));
    CHECK_THAT(out, Catch::Contains("recv(1024) in a loop: 64 calls for 65536 bytes\n"));
    CHECK_THAT(out, Catch::Contains("recv_exact(262144): all 262144 bytes, from "));
  };
  SECTION("the Python pair") {
    Server server(python("02-server-recv-sizes.py", {"--port", "0", "--once"}));
    auto client = run_python("02-client-one-send.py", {"--port", server.port});
    CHECK(client.status == 0);
    CHECK_THAT(client.out, Catch::EndsWith("server says b'done'\n"));
    CHECK(server.process.wait() == 0);
    auto out = server.rest();
    CHECK_THAT(out, Catch::StartsWith(expected));
    check_python_server(out);
  }
  SECTION("the Python server, our demo's client") {
    Server server(python("02-server-recv-sizes.py", {"--port", "0", "--once"}));
    auto client = test::run({binary("02-short-read"), "--role", "client", "--port", server.port});
    INFO(client.err);
    CHECK(client.status == 0);
    CHECK(server.process.wait() == 0);
    auto out = server.rest();
    CHECK_THAT(out, Catch::StartsWith(expected));
    check_python_server(out);
  }
  SECTION("the Python client, our demo's server") {
    Server server({binary("02-short-read"), "--role", "server", "--port", "0", "--once", "--no-color"});
    auto client = run_python("02-client-one-send.py", {"--port", server.port});
    INFO(client.err);
    CHECK(client.status == 0);
    CHECK_THAT(client.out, Catch::EndsWith("server says b'done'\n"));
    CHECK(server.process.wait() == 0);
    auto out = server.rest();
    CHECK_THAT(out, Catch::Contains("5 bytes  \"ellow\""));
    CHECK_THAT(out, Catch::Contains("recv(1024) in a loop: 64 calls for 65536 bytes"));
    CHECK_THAT(unwrapped(out), Catch::Contains("recv_exact(262144) returned all 262144 bytes"));
  }
}

TEST_CASE("03: the recv(1024) client falls out of step: `echo hi` is answered with the tail of `seq 400`",
          "[python-track]") {
  const std::string tail_of_seq = ">> echo hi\n284\n285\n";
  SECTION("against our demo's server") {
    Server server({binary("03-command-desync"), "--role", "server", "--port", "0", "--once"});
    auto client = run_python("03-client-commands-naive.py",
                             {"--port", server.port, "--command", "seq 400", "--command", "echo hi"});
    INFO(client.err);
    CHECK(client.status == 0);
    CHECK_THAT(client.out, Catch::StartsWith(">> seq 400\n1\n2\n"));
    CHECK_THAT(client.out, Catch::Contains(tail_of_seq));
    CHECK(server.process.wait() == 0);
  }
  SECTION("the Python pair") {
    Server server(python("03-server-commands-naive.py", {"--port", "0", "--once"}));
    auto client = run_python("03-client-commands-naive.py",
                             {"--port", server.port, "--command", "seq 400", "--command", "echo hi"});
    CHECK_THAT(client.out, Catch::Contains(tail_of_seq));
    CHECK(server.process.wait() == 0);
  }
  SECTION("the Python server, our demo's client") {
    Server server(python("03-server-commands-naive.py", {"--port", "0", "--once"}));
    auto client = test::run({binary("03-command-desync"), "--role", "client", "--port", server.port, "--json",
                             "--command", "seq 400", "--command", "echo hi"});
    CHECK(client.status == 0);
    // The fourth recv event of the trace is the answer to `echo hi`: it starts with "284\n".
    CHECK_THAT(client.out, Catch::Contains("\"data\":\"" + test::hex("284\n285\n")));
    CHECK(server.process.wait() == 0);
  }
  SECTION("the allow-list: no shell, whatever the peer sends") {
    Server server(python("03-server-commands-naive.py", {"--port", "0", "--once"}));
    auto client = run_python("03-client-commands-naive.py",
                             {"--port", server.port, "--command", "echo hi; touch /tmp/sticky-pwned", "--command",
                              "seq 0"});
    CHECK(client.out == ">> echo hi; touch /tmp/sticky-pwned\nhi; touch /tmp/sticky-pwned\n"
                        ">> seq 0\n(the command printed nothing)\n");
    CHECK_FALSE(fs::exists("/tmp/sticky-pwned"));
    CHECK(server.process.wait() == 0);
  }
}

TEST_CASE("04: the handshake keeps answers in step, until the digits arrive in pieces", "[python-track]") {
  SECTION("the Python pair: in step") {
    Server server(python("04-server-ready-handshake.py", {"--port", "0", "--once"}));
    auto client = run_python("04-client-ready-handshake.py",
                             {"--port", server.port, "--command", "seq 400", "--command", "echo hi"});
    CHECK(client.out == ">> seq 400\n(the server says 1492 bytes)\n" + seq(400) +
                            ">> echo hi\n(the server says 3 bytes)\nhi\n");
    CHECK(server.process.wait() == 0);
  }
  SECTION("the Python client, our demo's server, and our relay cutting the answers into 1-byte pieces") {
    Server server({binary("04-naive-handshake"), "--role", "server", "--port", "0", "--once"});
    // 20 ms between pieces: the client, already waiting in recv(), wakes for the first digit alone.
    Server relay({binary("relay"), "--port", "0", "--to", "127.0.0.1:" + server.port, "--split", "down:1", "--pace",
                  "down:20000"});
    auto client = run_python("04-client-ready-handshake.py",
                             {"--port", relay.port, "--command", "seq 9", "--command", "echo hi"});
    INFO(client.out << client.err);
    CHECK_THAT(client.out, Catch::StartsWith(">> seq 9\n(the server says 1 bytes)\n"));  // "18" read as "1"
    CHECK_THAT(client.out, !Catch::Contains(seq(9)));
    CHECK(server.process.wait() == 0);
    CHECK(relay.interrupt() == 0);
  }
  SECTION("the Python server, our demo's client") {
    Server server(python("04-server-ready-handshake.py", {"--port", "0", "--once"}));
    auto client = test::run({binary("04-naive-handshake"), "--role", "client", "--port", server.port, "--command",
                             "seq 400", "--command", "echo hi"});
    CHECK(client.status == 0);
    CHECK_THAT(client.out, Catch::Contains(seq(400)));
    CHECK(server.process.wait() == 0);
  }
}

TEST_CASE("05: the struct-prefix programs talk to our demo in both roles, with and without --python-i",
          "[python-track]") {
  auto python_i = GENERATE(false, true);
  std::vector<std::string> header = python_i ? std::vector<std::string>{"--python-i"} : std::vector<std::string>{};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), header.begin(), header.end());
    return args;
  };
  const std::string answers = ">> seq 400\n" + seq(400) + ">> echo hi\nhi\n";
  DYNAMIC_SECTION("Python client, our server" << (python_i ? " --python-i" : "")) {
    Server server(with({binary("05-struct-prefix"), "--role", "server", "--port", "0", "--once"}));
    auto client = run_python("05-client-struct-prefix.py",
                             with({"--port", server.port, "--command", "seq 400", "--command", "echo hi"}));
    INFO(client.err);
    CHECK(client.status == 0);
    CHECK(client.out == answers);
    CHECK(server.process.wait() == 0);
  }
  DYNAMIC_SECTION("our client, Python server" << (python_i ? " --python-i" : "")) {
    Server server(python("05-server-struct-prefix.py", with({"--port", "0", "--once"})));
    auto client = test::run(with({binary("05-struct-prefix"), "--role", "client", "--port", server.port, "--json",
                                  "--command", "seq 400", "--command", "echo hi"}));
    INFO(client.err);
    CHECK(client.status == 0);
    CHECK_THAT(client.out, Catch::Contains("\"op\":\"frame\"") && Catch::Contains(test::hex(seq(400))));
    CHECK_THAT(client.out, Catch::Contains("\"data\":\"" + test::hex("hi\n") + "\""));
    auto result = result_of(client.out);
    CHECK(result["op"] == "result");
    CHECK(result["facts"]["commands_framed"] == true);
    CHECK(result["facts"]["answers_match_builtin_commands"] == nlohmann::json({true, true}));
    CHECK(server.process.wait() == 0);
  }
  DYNAMIC_SECTION("the Python pair, commands framed too" << (python_i ? " --python-i" : "")) {
    Server server(python("05-server-struct-prefix.py", with({"--port", "0", "--once"})));
    auto client = run_python("05-client-struct-prefix.py",
                             with({"--port", server.port, "--command", "seq 400", "--command", "echo hi"}));
    CHECK(client.out == answers);
    CHECK(server.process.wait() == 0);
  }
}

TEST_CASE("05: the fixed programs speak the classic struct.pack('i') programs' bytes", "[python-track]") {
  {
    Server server(python("05-server-struct-i-classic.py", {"--port", "0", "--once"}));
    auto client = run_python("05-client-struct-prefix.py", {"--port", server.port, "--python-i",
                                                            "--unframed-commands", "--command", "seq 400"});
    CHECK(client.out == ">> seq 400\n" + seq(400));
    CHECK(server.process.wait() == 0);
  }
  {
    Server server(python("05-server-struct-prefix.py", {"--port", "0", "--once", "--python-i", "--unframed-commands"}));
    auto client = run_python("05-client-struct-i-classic.py", {"--port", server.port, "--command", "seq 400",
                                                               "--command", "echo hi"});
    CHECK(client.out == ">> seq 400\n" + seq(400) + ">> echo hi\nhi\n");
    CHECK(server.process.wait() == 0);
  }
}

TEST_CASE("05: the classic struct.pack('i') programs talk to 05-struct-prefix --classic --python-i", "[python-track]") {
  // The half fix: commands unframed, answers framed — on both sides.
  {
    Server server({binary("05-struct-prefix"), "--role", "server", "--port", "0", "--once", "--classic", "--python-i"});
    auto client = run_python("05-client-struct-i-classic.py", {"--port", server.port, "--command", "seq 400",
                                                               "--command", "echo hi"});
    INFO(client.err);
    CHECK(client.status == 0);
    CHECK(client.out == ">> seq 400\n" + seq(400) + ">> echo hi\nhi\n");
    CHECK(server.process.wait() == 0);
  }
  {
    Server server(python("05-server-struct-i-classic.py", {"--port", "0", "--once"}));
    auto client = test::run({binary("05-struct-prefix"), "--role", "client", "--port", server.port, "--classic",
                             "--python-i", "--json", "--command", "seq 400", "--command", "echo hi"});
    INFO(client.err);
    CHECK(client.status == 0);
    auto result = result_of(client.out);
    CHECK(result["op"] == "result");
    CHECK(result["facts"]["commands_framed"] == false);
    CHECK(result["facts"]["header"] == "python-i");
    CHECK(result["facts"]["answers_match_builtin_commands"] == nlohmann::json({true, true}));
    CHECK(server.process.wait() == 0);
  }
}

TEST_CASE("05: a hostile header makes the fixed client fail at once with one line", "[python-track]") {
  struct Case { const char* evil; const char* message; };
  auto c = GENERATE(values<Case>({{"huge", "error: the server announced 2147483647 bytes; the limit is 16777216\n"},
                                  {"negative", "error: the server announced 4294967295 bytes; the limit is 16777216\n"},
                                  {"short", "error: the server closed after 2 of 4 bytes\n"}}));
  Server server({binary("05-struct-prefix"), "--role", "server", "--port", "0", "--once", "--evil", c.evil});
  auto client = run_python("05-client-struct-prefix.py", {"--port", server.port, "--command", "echo hi"});
  CHECK(client.status == 1);
  CHECK(client.err == c.message);
  CHECK(server.process.wait() == 0);
}

TEST_CASE("06: two small writes stall about 40 ms per request; one write does not", "[python-track]") {
  auto measure = [](std::vector<std::string> server_argv) {
    Server server(std::move(server_argv));
    auto client = run_python("06-client-timer.py", {"--port", server.port, "--requests", "10"});
    INFO(client.err);
    CHECK(client.status == 0);
    CHECK(server.process.wait() == 0);
    return number_before(client.out, " ms per request");
  };
  double two = measure(python("06-server-two-writes.py", {"--port", "0", "--once"}));
  double one = measure(python("06-server-one-write.py", {"--port", "0", "--once"}));
  double ours_two = measure({binary("06-write-write-read"), "--role", "server", "--port", "0", "--once", "--write", "two"});
  double ours_one = measure({binary("06-write-write-read"), "--role", "server", "--port", "0", "--once", "--write", "one"});
  INFO("Python server: two writes " << two << " ms, one write " << one << " ms; ours: " << ours_two << " / " << ours_one);
  CHECK(two > 20);  // ~40 ms: the delayed-ACK timer, minus the first quick ACKs
  CHECK(two > 10 * one);
  CHECK(ours_two > 20);
  CHECK(ours_two > 10 * ours_one);
}

TEST_CASE("07: UDP keeps boundaries, truncates what does not fit, delivers an empty datagram", "[python-track]") {
  const std::vector<std::string> expected{"reply: b'HELLO'\nreply: b'WORLD'\nreply: b'EGON'\n",
                                          "sent 3000 bytes, the reply has 1024\n",
                                          "sent an empty datagram, the reply has 0 bytes: b''\n"};
  SECTION("the Python pair") {
    Server server(python("07-udp-server-upper.py", {"--port", "0"}));
    auto client = run_python("07-udp-client.py", {"--port", server.port});
    CHECK(client.status == 0);
    for (const auto& line : expected) CHECK_THAT(client.out, Catch::Contains(line));
    CHECK(server.interrupt() == 0);
    CHECK_THAT(server.rest(), Catch::Contains("1024 bytes — TRUNCATED: the rest of this datagram is gone"));
  }
  SECTION("the Python client, our demo's server") {
    Server server({binary("07-udp-boundaries"), "--role", "server", "--port", "0"});
    auto client = run_python("07-udp-client.py", {"--port", server.port});
    for (const auto& line : expected) CHECK_THAT(client.out, Catch::Contains(line));
    CHECK(server.interrupt() == 0);
  }
  SECTION("the Python server, our demo's client") {
    Server server(python("07-udp-server-upper.py", {"--port", "0"}));
    auto client = test::run({binary("07-udp-boundaries"), "--role", "client", "--port", server.port, "--no-color"});
    CHECK(client.status == 0);
    CHECK_THAT(unwrapped(client.out), Catch::Contains("replies: HELLO, WORLD, EGON; the 3000-byte datagram came back "
                                                      "as 1024 bytes; the empty one as 0 bytes"));
    CHECK(server.interrupt() == 0);
  }
}

TEST_CASE("08: send(b'') sends nothing; recv() returns b'' only at end of stream", "[python-track]") {
  const std::string waited = "server: recv(1024) is still waiting after 0.3 s: nothing came\n";
  const std::string eof = "server: recv(1024) returned b'': end of stream, the client closed\n";
  SECTION("both ends in one Python process") {
    auto r = run_python("08-empty-send-and-eof.py");
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("client: send(b'') returned 0\n"));
    CHECK_THAT(r.out, Catch::Contains(waited) && Catch::Contains(eof));
  }
  SECTION("the Python client, our demo's server") {
    Server server({binary("08-empty-and-eof"), "--role", "server", "--port", "0", "--once", "--no-color"});
    auto client = run_python("08-empty-send-and-eof.py", {"--role", "client", "--port", server.port});
    CHECK(client.status == 0);
    CHECK(server.process.wait() == 0);
    auto out = server.rest();
    CHECK_THAT(out, Catch::Contains("still waiting after 300 ms") && Catch::Contains("end of stream"));
  }
  SECTION("the Python server, our demo's client") {
    Server server(python("08-empty-send-and-eof.py", {"--role", "server", "--port", "0", "--once"}));
    auto client = test::run({binary("08-empty-and-eof"), "--role", "client", "--port", server.port, "--no-color"});
    CHECK(client.status == 0);
    // Every segment the client has sent (tcpi_segs_out), just before and just after send(""): the same.
    auto out = unwrapped(client.out);
    INFO(out);
    CHECK_THAT(out, Catch::Contains("client send(\"\") returned 0;"));
    std::string before = digits_after(out, "segments this end has sent (tcpi_segs_out): ");
    REQUIRE_FALSE(before.empty());
    CHECK_THAT(out, Catch::Contains("(tcpi_segs_out): " + before + " before it, " + before + " after"));
    CHECK(server.process.wait() == 0);
    CHECK(server.rest() == waited + eof);
  }
}

TEST_CASE("09: a synchronous socketserver makes client 2 wait; threading and forking answer at once",
          "[python-track]") {
  auto mode = GENERATE(as<std::string>{}, "sync", "threading", "forking");
  DYNAMIC_SECTION("Python " << mode << " server") {
    Server server(python("09-socketserver-tcp.py", {"--port", "0", "--mode", mode}));
    auto client = run_python("09-client-two-clients.py", {"--port", server.port});
    INFO(client.out << client.err);
    CHECK(client.status == 0);
    CHECK_THAT(client.out, Catch::Contains(mode == "sync" ? "client 2: b'WORLD' — answered only now, after client 1 left"
                                                          : "client 2: b'WORLD' — answered at once"));
    CHECK(server.interrupt() == 0);
    auto out = server.rest();
    CHECK_THAT(out, Catch::Contains(mode == "threading" ? "thread Thread-" : "thread MainThread"));
  }
  DYNAMIC_SECTION("our " << mode << " server, the Python client") {
    Server server({binary("09-socketserver"), "--role", "server", "--port", "0", "--mode", mode});
    auto client = run_python("09-client-two-clients.py", {"--port", server.port});
    CHECK_THAT(client.out, Catch::Contains(mode == "sync" ? "answered only now" : "answered at once"));
    CHECK(server.interrupt() == 0);
  }
  DYNAMIC_SECTION("Python UDP " << mode << " server") {
    Server server(python("09-socketserver-udp.py", {"--port", "0", "--mode", mode}));
    auto client = run_python("07-udp-client.py", {"--port", server.port});
    INFO(client.err);
    CHECK(client.status == 0);
    for (const char* reply : {"b'HELLO'", "b'WORLD'", "b'EGON'"}) CHECK_THAT(client.out, Catch::Contains(reply));
    CHECK_THAT(client.out, Catch::Contains("sent 3000 bytes, the reply has 3000"));  // UDPServer reads 8192
    CHECK(server.interrupt() == 0);
  }
}

TEST_CASE("10: one send() takes part of 1 MiB; sendall() delivers all, checksums as our demo's", "[python-track]") {
  const std::string whole = "received 1048576 bytes, checksum 14dbfaa977a37f4f";
  SECTION("both ends in one Python process") {
    auto r = run_python("10-sendall-vs-send.py");
    CHECK(r.status == 0);
    std::string taken = digits_after(r.out, "send() of 1048576 bytes returned ");
    REQUIRE_FALSE(taken.empty());
    CHECK(std::stoul(taken) > 0);
    CHECK(std::stoul(taken) < 1048576);
    CHECK_THAT(r.out, Catch::Contains("server: received " + taken + " bytes"));
    CHECK_THAT(r.out, Catch::Contains("server: " + whole + " (the whole payload)"));
  }
  SECTION("the Python client, our demo's server") {
    Server server({binary("10-partial-send"), "--role", "server", "--port", "0", "--no-color"});
    auto client = run_python("10-sendall-vs-send.py", {"--role", "client", "--port", server.port});
    CHECK(client.status == 0);
    // Its narration wraps at 80 columns: read until the second message's line is complete.
    std::string got;
    for (int i = 0; i < 4 && unwrapped(got).find("1 MiB payload)") == std::string::npos; ++i)
      got += server.process.read_line(10) + "\n";
    CHECK_THAT(unwrapped(got), Catch::Contains(whole + " (the whole 1 MiB payload)"));
    CHECK(server.interrupt() == 0);
  }
  SECTION("the Python server, our demo's client") {
    Server server(python("10-sendall-vs-send.py", {"--role", "server", "--port", "0"}));
    auto client = test::run({binary("10-partial-send"), "--role", "client", "--port", server.port});
    CHECK(client.status == 0);
    std::string got;
    for (int i = 0; i < 2; ++i) got += server.process.read_line(10) + "\n";
    CHECK_THAT(got, Catch::Contains("(NOT the payload)\n") && Catch::Contains(whole + " (the whole payload)\n"));
    CHECK(server.interrupt() == 0);
  }
}

TEST_CASE("11: decoding each recv raises UnicodeDecodeError; decoding after framing or incrementally does not",
          "[python-track]") {
  struct Case { const char* encoding; const char* error; };
  auto c = GENERATE(values<Case>({
      {"utf-8", "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe6 in position 1023: unexpected end of data\n"},
      {"gbk", "UnicodeDecodeError: 'gbk' codec can't decode byte 0xd6 in position 1023: incomplete multibyte sequence\n"},
  }));
  auto python_i = GENERATE(false, true);
  std::vector<std::string> options{"--encoding", c.encoding};
  if (python_i) options.push_back("--python-i");
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), options.begin(), options.end());
    return args;
  };
  auto check_clients = [&](const std::string& port) {
    auto naive = run_python("11-client-decode-each-recv.py", with({"--port", port}));
    CHECK(naive.status == 1);
    CHECK_THAT(naive.err, Catch::EndsWith(c.error));
    for (const char* fixed : {"11-client-decode-after-framing.py", "11-client-incremental.py"}) {
      auto r = run_python(fixed, with({"--port", port}));
      INFO(fixed << ": " << r.err);
      CHECK(r.status == 0);
      CHECK_THAT(r.out, Catch::StartsWith("Lorem ipsum") && Catch::EndsWith("co\n执行成功\n"));
    }
  };
  DYNAMIC_SECTION("the Python server " << c.encoding << (python_i ? " --python-i" : "")) {
    Server server(python("11-server-text.py", with({"--port", "0"})));
    check_clients(server.port);
    CHECK(server.interrupt() == 0);
  }
  DYNAMIC_SECTION("our demo's server " << c.encoding << (python_i ? " --python-i" : "")) {
    Server server(with({binary("11-text-cut"), "--role", "server", "--port", "0"}));
    check_clients(server.port);
    CHECK(server.interrupt() == 0);
  }
  DYNAMIC_SECTION("our demo's client, the Python server " << c.encoding << (python_i ? " --python-i" : "")) {
    Server server(python("11-server-text.py", with({"--port", "0"})));
    auto client = test::run(with({binary("11-text-cut"), "--role", "client", "--port", server.port, "--json"}));
    CHECK(client.status == 0);
    CHECK_THAT(client.out, Catch::Contains("\"naive_decode_failed\":true") &&
                               Catch::Contains("\"framed_decode_ok\":true") &&
                               Catch::Contains("\"incremental_decode_ok\":true"));
    CHECK(server.interrupt() == 0);
  }
}
