// sticky-check: its cut planning, shrinking and diagnosis as functions; the relay's --cuts;
// and the command against classic Python programs, each correct or with one classic
// mistake (tests/check_programs/), in both modes.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "check/cuts.hpp"
#include "check/diagnosis.hpp"
#include "sticky/codec.hpp"
#include "sticky/io.hpp"
#include "sticky/relay.hpp"
#include "sticky/trace.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using check::Cuts;
using check::Family;
using test::binary;

namespace {

std::string program(const std::string& name) {
  // tests/ sits two levels above build/bin: the source tree, not the build.
  auto root = std::filesystem::path(binary("x")).parent_path().parent_path().parent_path();
  if (!std::filesystem::exists(root / "tests/check_programs")) root = std::filesystem::current_path();
  return (root / "tests/check_programs" / name).string();
}

// A port nobody listens on right now (the OS's pick, released again).
std::string free_port() {
  sticky::Fd fd = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
  return std::to_string(sticky::local_address(fd.get()).port());
}

test::Run sticky_check(std::vector<std::string> args, double seconds = 40) {
  args.insert(args.begin(), binary("sticky-check"));
  return test::run(args, {}, seconds, {"NO_COLOR=1"});
}

// Checks a Python server the way a student would: sticky-check starts it on a free port.
test::Run check_server(const std::string& name, std::vector<std::string> options = {}, std::vector<std::string> extra = {}) {
  auto port = free_port();
  std::vector<std::string> args{"server", "--port", port, "--seed", "7"};
  args.insert(args.end(), options.begin(), options.end());
  args.insert(args.end(), {"--", "python3", program(name), port});
  args.insert(args.end(), extra.begin(), extra.end());
  return sticky_check(args);
}

// Lesson 05's command server as it is (commands and answers framed, 4-byte big-endian
// headers), the upstream of every client-mode test; tests/check_programs' clients frame
// their commands for it.
struct CommandServer {
  CommandServer() : process({binary("05-struct-prefix"), "--role", "server", "--port", "0", "--no-color"}) {
    port = test::port_of(process.read_line());
  }
  test::Process process;
  std::string port;
};

test::Run check_client(const CommandServer& upstream, const std::string& name, std::vector<std::string> options = {}) {
  auto port = free_port();
  std::vector<std::string> args{"client", "--listen", port, "--upstream", "127.0.0.1:" + upstream.port, "--seed", "7"};
  args.insert(args.end(), options.begin(), options.end());
  args.insert(args.end(), {"--", "python3", program(name), port});
  return sticky_check(args);
}

std::string one_line(std::string text) {
  for (auto& c : text)
    if (c == '\n') c = ' ';
  std::string out;
  for (char c : text)  // the report wraps at 80 columns: compare words, not line breaks
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

// The ids of the mistakes a --json report names.
std::vector<std::string> mistakes(const nlohmann::json& report) {
  std::vector<std::string> ids;
  for (const auto& m : report["diagnosis"]) ids.push_back(m["id"]);
  return ids;
}

check::Layout four_messages() {
  sticky::LengthCodec codec;
  return check::layout_of(codec, {codec.encode("hello"), codec.encode(""), codec.encode("x"), codec.encode("hello world egon")});
}

}  // namespace

// ------------------------------------------------------------------------------ functions

TEST_CASE("sticky-check plans one cut of each family first, the same ones for the same seed", "[sticky-check]") {
  auto layout = four_messages();
  REQUIRE(layout.total() == 9 + 4 + 5 + 20);
  auto plans = check::plan_cuts(layout, 42, check::Side::requests);
  std::vector<Family> first;
  for (const auto& p : plans)
    if (std::find(first.begin(), first.end(), p.family) == first.end()) first.push_back(p.family);
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(plans[i].family == first[i]);
  CHECK(first.size() == 8);
  CHECK(plans.front().cuts.empty());  // all in one write
  for (const auto& p : plans)
    for (auto c : p.cuts) CHECK((c >= 1 && c < layout.total()));

  auto again = check::plan_cuts(layout, 42, check::Side::requests);
  REQUIRE(again.size() == plans.size());
  for (std::size_t i = 0; i < plans.size(); ++i) CHECK(again[i].cuts == plans[i].cuts);
  auto other = check::plan_cuts(layout, 43, check::Side::requests);
  bool differs = false;
  for (std::size_t i = 0; i < std::min(other.size(), plans.size()); ++i) differs |= other[i].cuts != plans[i].cuts;
  CHECK(differs);

  // Header split after byte 2 cuts every header there and keeps one write per message.
  auto split = std::find_if(plans.begin(), plans.end(), [](const check::Plan& p) { return p.label == "each header cut after byte 2 of 4"; });
  REQUIRE(split != plans.end());
  CHECK(split->cuts == Cuts{2, 9, 11, 13, 15, 18, 20});
  // Answers are cut as the server sent them: no gluing, no boundaries of ours.
  for (const auto& p : check::plan_cuts(layout, 42, check::Side::answers)) {
    CHECK(p.family != Family::glued);
    CHECK(p.family != Family::all_in_one);
    CHECK(!p.cuts.empty());
  }
}

TEST_CASE("sticky-check shrinks a failing cut to the fewest cuts that still fail", "[sticky-check]") {
  auto has = [](const Cuts& c, std::uint64_t v) { return std::find(c.begin(), c.end(), v) != c.end(); };
  Cuts start{1, 2, 3, 5, 7, 8, 11, 13, 20, 21};
  auto both = check::shrink(start, [&](const Cuts& c) { return has(c, 3) && has(c, 13); }, [] { return true; });
  CHECK(both.cuts == Cuts{3, 13});
  CHECK(both.minimal);
  auto any = check::shrink(start, [&](const Cuts& c) { return !c.empty() && c.back() >= 20; }, [] { return true; });
  CHECK(any.cuts.size() == 1);
  auto always = check::shrink(start, [](const Cuts&) { return true; }, [] { return true; });
  CHECK(always.cuts.empty());
  CHECK(always.replays == 1);
  int budget = 3;
  auto stopped = check::shrink(start, [&](const Cuts& c) { return has(c, 3) && has(c, 13); }, [&] { return budget-- > 0; });
  CHECK_FALSE(stopped.minimal);
  CHECK(stopped.replays == 3);
  CHECK(has(stopped.cuts, 3));
  CHECK(has(stopped.cuts, 13));
}

TEST_CASE("sticky-check names the mistake from which probes break it, with the fix and the lesson", "[sticky-check]") {
  auto layout = four_messages();
  auto probes = check::plan_probes(layout, check::Side::requests);
  std::vector<std::string> names;
  for (const auto& p : probes) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"header split", "header and body", "body split", "glued"});
  // The probes cut the first message with a body of two bytes or more, on the first two messages only.
  CHECK(probes[0].cuts == Cuts{2, 9});
  CHECK(probes[2].cuts == Cuts{6, 9});
  CHECK(probes[3].cuts.empty());
  CHECK(probes[0].messages == 2);

  struct Row {
    bool header, apart, body, glued;
    std::vector<std::string_view> ids;
  };
  auto r = GENERATE(values<Row>({
      {true, false, false, false, {check::kRecvHeader}},
      {true, true, true, true, {check::kOneRecv}},
      {false, false, false, true, {check::kDropsRest}},
      {false, false, true, false, {check::kBodyShort}},
      // recv(4) for the header, recv(1024)[:n] for the body: three mistakes at once
      {true, false, true, true, {check::kRecvHeader, check::kBodyShort, check::kDropsRest}},
      {false, false, false, false, {}},
  }));
  auto run = probes;
  run[0].broke = r.header;
  run[1].broke = r.apart;
  run[2].broke = r.body;
  run[3].broke = r.glued;
  auto context = check::context_of(layout, check::Framing());
  auto d = check::diagnose(run, context);
  std::vector<std::string_view> ids;
  for (const auto& m : d.mistakes) ids.push_back(m.id);
  CHECK(ids == r.ids);
  for (const auto& m : d.mistakes) {
    CHECK_FALSE(m.fix.english.empty());
    CHECK(m.lesson > 0);
    CHECK(m.lesson_file.find(".md") != std::string::npos);
  }
  if (!r.ids.empty()) CHECK(d.evidence.english.find("broken by") == 0);
}

TEST_CASE("sticky-check's words are true of the program they name", "[sticky-check]") {
  // A 2-byte header is never "recv(4)"; the fix says how many bytes, and where it is taught.
  check::MistakeContext two;
  two.header = 2;
  auto header = check::mistake(check::kRecvHeader, two);
  CHECK(header.words.english == "assumes one recv() returns the whole 2-byte header");
  CHECK(header.words.english.find("recv(4)") == std::string::npos);
  CHECK(header.fix.english.find("read exactly 2 header bytes with recv_exact") == 0);
  CHECK(header.lesson == 2);
  check::MistakeContext json;
  json.header_length = 2;
  CHECK(check::mistake(check::kRecvHeader, json).words.english == "assumes one recv() returns the whole JSON header");
  // A loop that stops early reads the body short too: no "single recv()" claim.
  CHECK(check::mistake(check::kBodyShort, two).words.english.find("single") == std::string::npos);
  check::MistakeContext lines;
  lines.delimiter = true;
  CHECK(check::mistake(check::kOneRecv, lines).lesson == 1);
  CHECK(check::mistake(check::kDecodesPieces, lines).lesson == 11);

  // Text decoded per recv(): the error names it when the headers survive; a short header read
  // explains a struct.error when nothing else did.
  auto text = check::refine({}, "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe4 in position 0", two);
  CHECK(text.names(check::kDecodesPieces));
  check::Diagnosis header_broke;
  header_broke.mistakes.push_back(header);
  CHECK(check::refine(header_broke, "UnicodeDecodeError: ...", two).names(check::kRecvHeader));
  CHECK(check::refine({}, "struct.error: unpack requires a buffer of 4 bytes", two).names(check::kRecvHeader));

  // Where the smallest cut falls, when no probe named anything.
  auto layout = four_messages();
  auto context = check::context_of(layout, check::Framing());
  CHECK(check::diagnose_cut(layout, {2, 9, 13, 18}, check::Side::requests, context).names(check::kRecvHeader));
  CHECK(check::diagnose_cut(layout, {9, 13, 18, 25}, check::Side::requests, context).names(check::kBodyShort));
  CHECK(check::diagnose_cut(layout, {13, 18}, check::Side::requests, context).names(check::kDropsRest));
}

TEST_CASE("sticky-check cut lists read and print alike, and say what each piece holds", "[sticky-check]") {
  CHECK(check::parse_cuts("6,2,6") == Cuts{2, 6});
  CHECK(check::parse_cuts("none").empty());
  CHECK(check::format_cuts({2, 6}) == "2,6");
  CHECK(check::format_cuts({}) == "none");
  CHECK_THROWS_AS(check::parse_cuts("2,x"), std::invalid_argument);
  CHECK_THROWS_AS(check::parse_cuts("0"), std::invalid_argument);
  CHECK_THROWS_AS(check::parse_cuts("2,"), std::invalid_argument);

  auto layout = four_messages();
  CHECK(check::describe_span(layout, 0, 2) == "message 1: header bytes 1-2 of 4");
  CHECK(check::describe_span(layout, 2, 18) == "message 1: header bytes 3-4 of 4, body; messages 2-3");
  CHECK(check::describe_span(layout, 18, 25) == "message 4: header, body bytes 1-3 of 16");
  // Without a header, the body is still the body: never "bytes bytes 1-5 of 11".
  auto lines = sticky::DelimiterCodec::lines();
  auto text = check::layout_of(lines, {lines.encode("hello world"), lines.encode("x")});
  CHECK(check::describe_span(text, 0, 5) == "message 1: body bytes 1-5 of 11");
  CHECK(check::describe_span(text, 5, 14) == "message 1: body bytes 6-11 of 11, delimiter; message 2");
  CHECK(check::pieces({2, 6}, 10) == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 2}, {2, 6}, {6, 10}});
}

// ------------------------------------------------------------------------------ the relay's cuts

TEST_CASE("relay --cuts delivers pieces at exactly those offsets", "[sticky-check][relay]") {
  sticky::Fd listener = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
  sticky::RelayOptions options;
  options.listen = sticky::Address::parse("127.0.0.1:0");
  options.target = sticky::local_address(listener.get());
  sticky::apply_shaping(options, "cuts", "down:2,6,7");
  sticky::apply_shaping(options, "pace", "down:30000");  // 30 ms: each piece is read alone
  CHECK(options.to_client.cuts == Cuts{2, 6, 7});
  CHECK(options.to_server.cuts.empty());
  sticky::Trace trace;
  options.trace = &trace;
  sticky::Relay relay(options);
  std::thread runner([&] { relay.run(); });
  {
    sticky::Fd client = sticky::connect_stream(relay.address(), 2000ms);
    sticky::Fd server = sticky::accept_connection(listener.get());
    sticky::send_all(server.get(), "0123456789");  // one write: the relay alone cuts it
    std::vector<std::string> got;
    std::string all;
    while (all.size() < 10) {
      auto piece = sticky::recv_some(client.get(), 1024, 5000ms);
      REQUIRE_FALSE(piece.empty());
      got.push_back(piece);
      all += piece;
    }
    CHECK(all == "0123456789");
    CHECK(got == std::vector<std::string>{"01", "2345", "6", "789"});
  }
  relay.stop();
  runner.join();
  std::vector<std::string> sent;
  for (const auto& e : trace.events())
    if (e.op == sticky::Op::send && e.direction == sticky::Direction::down) sent.push_back(e.data);
  CHECK(sent == std::vector<std::string>{"01", "2345", "6", "789"});
  CHECK_THROWS_AS(sticky::apply_shaping(options, "cuts", "2,,6"), std::invalid_argument);
}

TEST_CASE("relay --await-reads sends each piece once the receiver has read the last", "[sticky-check][relay]") {
  // The receiver is slow (60 ms before each recv) and the pace is 0: without await-reads
  // every piece would be waiting for it at once; with it, each recv() gets one piece.
  auto await_reads = GENERATE(false, true);
  CAPTURE(await_reads);
  sticky::Fd listener = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
  sticky::RelayOptions options;
  options.listen = sticky::Address::parse("127.0.0.1:0");
  options.target = sticky::local_address(listener.get());
  sticky::apply_shaping(options, "cuts", "down:2,6,7");
  sticky::apply_shaping(options, "pace", "down:0");
  if (await_reads) sticky::apply_shaping(options, "await-reads", "down:2000");
  sticky::Relay relay(options);
  std::thread runner([&] { relay.run(); });
  std::vector<std::string> got;
  {
    sticky::Fd client = sticky::connect_stream(relay.address(), 2000ms);
    sticky::Fd server = sticky::accept_connection(listener.get());
    sticky::send_all(server.get(), "0123456789");
    std::string all;
    while (all.size() < 10) {
      std::this_thread::sleep_for(60ms);
      auto piece = sticky::recv_some(client.get(), 1024, 5000ms);
      REQUIRE_FALSE(piece.empty());
      got.push_back(piece);
      all += piece;
    }
  }
  relay.stop();
  runner.join();
  if (await_reads) CHECK(got == std::vector<std::string>{"01", "2345", "6", "789"});
  else CHECK(got.size() < 4);
}

TEST_CASE("relay --random-split without a seed picks one and prints it", "[sticky-check][relay]") {
  test::Process relay({binary("relay"), "--port", "0", "--to", "127.0.0.1:9", "--random-split", "random:4", "--no-color"});
  CHECK(relay.read_line().rfind("listening on", 0) == 0);
  auto describe = relay.read_line();
  auto seed = relay.read_line();
  REQUIRE(seed.rfind("seed ", 0) == 0);
  CHECK(describe.find("random-split=" + seed.substr(5) + ":4") != std::string::npos);
  relay.signal(SIGTERM);
  CHECK(relay.wait() == 0);
}

// ------------------------------------------------------------------------------ server mode

TEST_CASE("sticky-check finds each classic server mistake and names it", "[sticky-check]") {
  // The diagnosis comes from probes of the first, small messages, which the kernel never cuts
  // by itself: the same program gets the same diagnosis however busy the machine. Only what
  // cannot vary is compared (which cuts broke it, and how often, may).
  struct Case {
    const char* program;
    std::string_view mistake;
  };
  auto c = GENERATE(values<Case>({
      {"server_recv4.py", check::kRecvHeader},
      {"server_one_recv.py", check::kOneRecv},
      {"server_first_frame.py", check::kDropsRest},
      {"server_body_once.py", check::kBodyShort},
  }));
  CAPTURE(c.program);
  auto r = check_server(c.program, {"--budget", "10", "--json"});
  CAPTURE(r.out, r.err);
  REQUIRE(r.status == 1);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["verdict"] == "broken");
  CHECK(mistakes(j) == std::vector<std::string>{std::string(c.mistake)});
  CHECK(j["diagnosis"][0]["fix"].get<std::string>().size() > 10);
  CHECK(j["diagnosis"][0]["lesson"].get<int>() > 0);
  CHECK(j["smallest"]["replay"].get<std::string>().find("--replay-cuts ") != std::string::npos);
}

TEST_CASE("sticky-check passes correct servers: recv_exact, socketserver, slow, struct.pack('i')", "[sticky-check]") {
  struct Case {
    const char* program;
    std::vector<std::string> options, extra;
  };
  auto c = GENERATE(values<Case>({
      {"server_exact.py", {"--budget", "10"}, {}},
      {"server_exact.py", {"--budget", "10", "--python-i"}, {"i"}},
      {"server_socketserver.py", {"--budget", "10"}, {}},
      {"server_slow.py", {"--budget", "10"}, {}},
  }));
  CAPTURE(c.program, c.options);
  auto r = check_server(c.program, c.options, c.extra);
  CAPTURE(r.out, r.err);
  CHECK(r.status == 0);
  CHECK(r.out.find("PASSED") != std::string::npos);
  CHECK(r.out.find("seed 7\n") != std::string::npos);
}

TEST_CASE("sticky-check reports a wrong byte order as a failed reference run, with the hint", "[sticky-check]") {
  auto r = check_server("server_wrong_order.py");
  CAPTURE(r.out, r.err);
  CHECK(r.status == 3);
  auto text = one_line(r.out);
  CHECK(text.find("THE REFERENCE RUN FAILED") != std::string::npos);
  CHECK(text.find("reads the length in the wrong byte order or size") != std::string::npos);
  CHECK(text.find("--python-i") != std::string::npos);
  CHECK(text.find("Fix: ") != std::string::npos);
}

TEST_CASE("sticky-check fails the reference when the program exits or nothing listens", "[sticky-check]") {
  auto port = free_port();
  auto exits = sticky_check({"server", "--port", port, "--", "python3", "-c", "import sys; sys.exit('no socket today')"});
  CHECK(exits.status == 3);
  CHECK(one_line(exits.out).find("ended (exit status 1) before it listened") != std::string::npos);
  CHECK(one_line(exits.out).find("no socket today") != std::string::npos);
  auto nobody = sticky_check({"server", "--connect", "127.0.0.1:" + port});
  CHECK(nobody.status == 3);
  CHECK(one_line(nobody.out).find("Nothing listens on 127.0.0.1:" + port + ". Start the server first") != std::string::npos);
  auto missing = sticky_check({"server", "--port", port, "--", "no-such-program-here"});
  CHECK(missing.status == 3);
  CHECK(missing.out.find("cannot start no-such-program-here") != std::string::npos);
}

TEST_CASE("sticky-check passes demo 05's server, which frames commands too, with either header", "[sticky-check]") {
  // Lesson 05's remote-command server reads each command by its length header, as it frames
  // its answers: however the requests are cut, it answers the same.
  auto python_i = GENERATE(false, true);
  CAPTURE(python_i);
  auto port = free_port();
  std::vector<std::string> args{"server", "--port", port, "--seed", "7", "--budget", "10"};
  if (python_i) args.push_back("--python-i");
  args.insert(args.end(), {"--", binary("05-struct-prefix"), "--role", "server", "--port", port});
  if (python_i) args.push_back("--python-i");
  auto r = sticky_check(args);
  CAPTURE(r.out, r.err);
  CHECK(r.status == 0);
  CHECK(r.out.find("PASSED") != std::string::npos);
}

TEST_CASE("sticky-check: demo 05 --classic reads each command with one recv(), which server mode reports",
          "[sticky-check]") {
  // --classic is the half fix of the classic programs: answers framed, each command whatever
  // one recv(1024) returns. Framed requests, cut or not, break it.
  auto port = free_port();
  auto r = sticky_check({"server", "--port", port, "--seed", "7", "--budget", "10", "--", binary("05-struct-prefix"),
                         "--role", "server", "--port", port, "--classic"});
  CAPTURE(r.out, r.err);
  CHECK(r.status == 1);
  CHECK(one_line(r.out).find("Most likely it treats one recv() as one message.") != std::string::npos);
}

TEST_CASE("sticky-check prints the same report for the same seed", "[sticky-check]") {
  auto program_name = GENERATE("server_recv4.py", "server_exact.py");
  auto port = free_port();
  std::vector<std::string> args{"server", "--port", port, "--seed", "12345", "--budget", "20",
                                "--", "python3", program(program_name), port};
  auto a = sticky_check(args);
  auto b = sticky_check(args);
  CAPTURE(a.out, b.out);
  CHECK(a.status == b.status);
  CHECK(a.out == b.out);
  CHECK(a.out.find("seed 12345\n") != std::string::npos);
}

TEST_CASE("sticky-check passes a correct server 20 checks in a row", "[sticky-check]") {
  auto port = free_port();
  for (int i = 0; i < 20; ++i) {
    auto r = sticky_check({"server", "--port", port, "--budget", "2", "--message", "hello", "--message", "",
                           "--message", std::string(1500, 'z'), "--", "python3", program("server_exact.py"), port});
    CAPTURE(i, r.out, r.err);
    REQUIRE(r.status == 0);
  }
}

TEST_CASE("sticky-check --replay-cuts replays exactly one cut; --json prints one object", "[sticky-check]") {
  auto r = check_server("server_recv4.py", {"--replay-cuts", "2", "--json"});
  CAPTURE(r.out, r.err);
  CHECK(r.status == 1);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["status"] == 1);
  CHECK(j["verdict"] == "broken");
  CHECK(j["tried"] == 1);
  CHECK(j["smallest"]["cuts"] == nlohmann::json::array({2}));
  CHECK(j["smallest"]["pieces"].size() == 2);
  CHECK(j["smallest"]["pieces"][0]["holds"] == "message 1: header bytes 1-2 of 4");
  auto ok = check_server("server_exact.py", {"--replay-cuts", "2"});
  CHECK(ok.status == 0);
}

TEST_CASE("sticky-check usage errors: one line, a hint, exit 2", "[sticky-check]") {
  const std::vector<std::vector<std::string>> bad{
      {},
      {"server"},
      {"server", "--port", "9", "--budget", "-1"},
      {"server", "--port", "9", "--replay-cuts", "2,x"},
      {"server", "--port", "9", "--codec", "morse"},
      {"server", "--port", "9", "--messages", "/no/such/file"},
      {"server", "--port", "9", "--codec", "line", "--message", "two\nlines"},
      {"server", "--port", "9", "--connect", "127.0.0.1:9"},
      {"server", "--connect", "not an address"},
      {"client", "--upstream", "127.0.0.1:9", "--", "true"},
      {"client", "--listen", "9100", "--upstream", "127.0.0.1:9"},
      {"server", "--port", "9", "--framing", "up:close", "--", "true"},
      {"server", "--port", "9", "--framing", "morse", "--", "true"},
      {"server", "--port", "9", "--framing", "length:9", "--", "true"},
      {"server", "--port", "9", "--framing", "fixed:0", "--", "true"},
      {"client", "--listen", "0", "--upstream", "127.0.0.1:9", "--", "python3", "client.py", "9100"},
      {"client", "--listen", "9100", "--upstream", "127.0.0.1:9", "--compare", "stdin", "--", "true"},
      {"client", "--listen", "9100", "--upstream", "127.0.0.1:9", "--ignore", "(", "--", "true"},
  };
  for (const auto& args : bad) {
    auto r = sticky_check(args, 10);
    CAPTURE(args, r.out, r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find("Run 'sticky-check --help' for usage.") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
  }
  auto help = sticky_check({"--help"}, 10);
  CHECK(help.status == 0);
  CHECK(help.out.find("Examples:") != std::string::npos);
}

// ------------------------------------------------------------------------------ client mode

TEST_CASE("sticky-check client mode finds each classic client mistake and names it", "[sticky-check]") {
  CommandServer upstream;
  struct Case {
    const char* program;
    std::string_view mistake;
    const char* words;
  };
  auto c = GENERATE(values<Case>({
      {"client_recv4.py", check::kRecvHeader, "assumes one recv() returns the whole 4-byte header"},
      {"client_one_recv.py", check::kOneRecv, "treats one recv() as one message"},
      {"client_body_once.py", check::kBodyShort,
       "reads the body before all of it has come (one recv(), or a loop that stops early)"},
  }));
  CAPTURE(c.program);
  auto r = check_client(upstream, c.program, {"--budget", "20"});
  CAPTURE(r.out, r.err);
  CHECK(r.status == 1);
  auto text = one_line(r.out);
  CHECK(text.find("Most likely it " + std::string(c.words) + ".") != std::string::npos);
  CHECK(text.find("Fix: ") != std::string::npos);
  CHECK(text.find("--cuts down:") != std::string::npos);
}

TEST_CASE("sticky-check client mode passes correct clients and flags a wrong byte order", "[sticky-check]") {
  CommandServer upstream;
  for (const char* name : {"client_exact.py", "client_makefile.py", "client_slow.py"}) {
    auto r = check_client(upstream, name, {"--budget", "20"});
    CAPTURE(name, r.out, r.err);
    CHECK(r.status == 0);
    // What a pass proves, exactly: the same however the answers are cut, not right.
    CHECK(one_line(r.out).find("PASSED: the same however the answers are cut") != std::string::npos);
  }
  auto wrong = check_client(upstream, "client_wrong_order.py");
  CAPTURE(wrong.out, wrong.err);
  CHECK(wrong.status == 3);
  CHECK(one_line(wrong.out).find("reads the length in the wrong byte order or size") != std::string::npos);
}

TEST_CASE("sticky-check speaks Chinese all the way: framing, seed, diagnosis, its fix and lesson", "[sticky-check]") {
  auto r = check_server("server_recv4.py", {"--budget", "10", "--lang", "zh"});
  CAPTURE(r.out, r.err);
  CHECK(r.status == 1);
  auto text = one_line(r.out);
  CHECK(text.find("分帧：长度前缀：4 字节，大端序，无符号") != std::string::npos);
  CHECK(text.find("随机种子 7") != std::string::npos);
  CHECK(text.find("它多半以为一次 recv() 一定返回完整的 4 字节报头。") != std::string::npos);
  CHECK(text.find("修正：用 recv_exact 收满 4 个报头字节") != std::string::npos);
  CHECK(text.find("见第 02 课") != std::string::npos);
  CHECK(text.find("length prefix") == std::string::npos);
  CHECK(text.find("seed") == std::string::npos);
}
