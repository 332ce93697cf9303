// sticky-view --export-html: the page's data against the model, the trace's texts in Chinese,
// and the pages themselves in a real browser (headless Chromium, driven through the DevTools
// protocol by tests/html_browser.py): demo 01's page, a sticky-trace recording of two Python
// programs, a Chinese page, a phone-sized window, --predict. Each browser check leaves a
// screenshot in build/html-test/ for a person to look at.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "html.hpp"
#include "html_text.hpp"
#include "sticky/bytes.hpp"
#include "sticky/trace_json.hpp"
#include "support.hpp"

using json = nlohmann::json;
namespace fs = std::filesystem;
using test::binary;

namespace {

fs::path build_dir() { return fs::path(binary("x")).parent_path().parent_path(); }

// tests/ sits two levels above build/bin: the source tree, not the build.
fs::path source_root() {
  auto root = build_dir().parent_path();
  return fs::exists(root / "tests/html_browser.py") ? root : fs::current_path();
}

// Where this test's pages and screenshots go (build/html-test/), made afresh for each run.
fs::path out_dir() {
  static const fs::path dir = [] {
    auto d = build_dir() / "html-test";
    fs::create_directories(d);
    return d;
  }();
  return dir;
}
std::string out(const std::string& name) { return (out_dir() / name).string(); }

sticky::TraceEvent event(std::string side, std::string op, std::string data, std::uint64_t msg = 0, int conn = 1) {
  json j{{"side", side}, {"op", op}, {"data", sticky::to_hex(data)}, {"conn", conn}};
  if (msg) j["msg"] = msg;
  if (op == "recv") j["want"] = 1024;
  return sticky::parse_event(j.dump());
}

json page_data(const view::Page& page) { return json::parse(page.data_json()); }

// The data a page file carries.
json data_of(const std::string& file) {
  std::ifstream in(file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string html = buffer.str();
  auto start = html.find("id=\"sticky-data\">");
  REQUIRE(start != std::string::npos);
  start += 17;
  return json::parse(html.substr(start, html.find("</script>", start) - start));
}

// sticky-view with these arguments; the page must be written.
void export_page(std::vector<std::string> args) {
  args.insert(args.begin(), binary("sticky-view"));
  auto run = test::run(args, {}, 60);
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  REQUIRE_THAT(run.out, Catch::StartsWith("wrote "));
}

// A script of commands for the browser (see tests/html_browser.py); its answers. Every page
// it opened must have had no console error, no uncaught exception and no request for
// anything but itself.
json browse(const json& script) {
  auto run = test::run({"python3", (source_root() / "tests/html_browser.py").string(), "--timeout", "100"},
                       script.dump(), 120);
  INFO(run.err);
  REQUIRE(!run.out.empty());
  json answer = json::parse(run.out);
  INFO(answer.dump(1));
  REQUIRE(answer["error"].is_null());
  REQUIRE(answer["results"].size() == script.size());
  for (const auto& page : answer["pages"]) {
    INFO(page["path"]);
    CHECK(page["console_errors"] == json::array());
    CHECK(page["exceptions"] == json::array());
    CHECK(page["requests_outside"] == json::array());
  }
  return answer["results"];
}

json open(const std::string& page, int width = 1280, int height = 800) {
  return {{"cmd", "open"}, {"path", page}, {"width", width}, {"height", height}, {"mobile", width < 600}};
}
json key(const std::string& k) { return {{"cmd", "key"}, {"key", k}}; }
json key_until(const std::string& k, const std::string& expr, int max = 100) {
  return {{"cmd", "key_until"}, {"key", k}, {"expr", expr}, {"max", max}};
}
json eval(const std::string& expr) { return {{"cmd", "eval"}, {"expr", expr}}; }
json shot(const std::string& name) { return {{"cmd", "shot"}, {"path", out(name)}}; }

// What a call's block shows: its byte count, and each span's marker and text.
const char* const kBlockOf = R"(((b) => b && {
  count: b.querySelector('.count').textContent,
  markers: [...b.querySelectorAll('.mk')].map(m => m.textContent),
  texts: [...b.querySelectorAll('.m')].map(m => m.lastChild.textContent),
  call: Number(b.dataset.call)
}))";

}  // namespace

TEST_CASE("the page's data: each call's spans and byte count, from the model", "[html]") {
  view::Page page;
  page.add(event("client", "send", "hello", 1));
  page.add(event("client", "send", "world", 2));
  page.add(event("client", "send", "egon", 3));
  sticky::TraceEvent heading;
  heading.op = sticky::Op::step;
  heading.text = "Part A";
  page.add(heading);
  page.add(event("server", "recv", "helloworldegon"));
  auto data = page_data(page);
  REQUIRE(data["calls"].size() == 4);
  CHECK(data["ops"] == "xxxsx");
  CHECK(data["refs"] == json({0, 1, 2, 0, 3}));
  CHECK(data["texts"] == json({"Part A"}));
  const auto& recv = data["calls"][3];
  CHECK(recv["s"] == 0);
  CHECK(recv["m"] == 14);
  CHECK(recv["d"] == "aGVsbG93b3JsZGVnb24=");  // base64 of the 14 bytes
  // [msg, begin, size, 1 starts a message | 2 ends one]
  CHECK(recv["p"] == json({{1, 0, 5, 3}, {2, 5, 5, 3}, {3, 10, 4, 3}}));
  CHECK(data["names"][recv["o"].get<int>()] == "messages 1–3");
  CHECK(data["keys"][0]["k"] == json({" ", "ArrowRight", "n", "l"}));  // the viewer's keys
}

TEST_CASE("data beyond what the trace kept is counted, not invented; the page keeps a bounded share", "[html]") {
  SECTION("sticky-trace --max-data: the call moved more than the trace kept") {
    view::Page page;
    auto e = event("python3", "recv", "abc");
    e.data_left_out = 1000;
    page.add(e);
    auto data = page_data(page);
    const auto& call = data["calls"][0];
    CHECK(call["m"] == 1003);
    CHECK(call["t"] == 3);
    CHECK(call["d"] == "YWJj");
  }
  SECTION("over the page's budget: small calls whole, big ones cut to one size") {
    view::Page page({.data_budget = 100});
    page.add(event("client", "send", std::string(10, 'a'), 1));
    page.add(event("client", "send", std::string(200, 'b'), 2));
    page.add(event("client", "send", std::string(300, 'c'), 3));
    CHECK(page.kept_bytes() == std::vector<std::size_t>{10, 45, 45});
    auto calls = page_data(page)["calls"];
    CHECK(calls[1]["m"] == 200);
    CHECK(calls[1]["k"] == 45);
    CHECK(calls[1]["p"] == json::array({json::array({2, 0, 45, 1})}));  // the span ends where the page's bytes end
  }
  SECTION("a trace of 10,000 events makes a page of a few MB") {
    view::Page page;
    std::mt19937 random(24);
    std::string stream;
    std::uint64_t msg = 0;
    while (page.model().event_count() < 10000) {
      std::string body(std::size_t{1} << std::uniform_int_distribution<int>(0, 12)(random), 'x');
      page.add(event("client", "send", body, ++msg));
      stream += body;
      std::size_t cut = std::min(stream.size(), std::size_t{4096});
      page.add(event("server", "recv", stream.substr(0, cut)));
      stream.erase(0, cut);
    }
    auto html = page.html();
    INFO(html.size() << " bytes");
    CHECK(html.size() < 4u << 20);
    auto calls = page_data(page)["calls"];
    REQUIRE(calls.size() == 10000);
    std::size_t cut_short = 0;
    for (const auto& c : calls) cut_short += c.contains("k");
    CHECK(cut_short > 0);  // the budget did its work, and said so call by call
  }
}

TEST_CASE("the page's decoder states are the model's, computed in one pass", "[html]") {
  auto run = test::run({binary("05-struct-prefix"), "--json"}, {}, 60);
  REQUIRE(run.status == 0);
  std::istringstream lines(run.out);
  view::Page page;
  for (auto& e : sticky::read_trace(lines)) page.add(std::move(e));
  auto states = page.decoder_states();
  const auto& model = page.model();
  std::size_t framed = 0;
  for (std::size_t i = 0; i < model.calls().size(); ++i) {
    auto expected = model.decoder_after(i);
    INFO("call " << i);
    REQUIRE(states[i].has_value() == expected.has_value());
    if (!expected) continue;
    ++framed;
    CHECK(states[i]->frames == expected->frames);
    CHECK(states[i]->header_seen == expected->header_seen);
    CHECK(states[i]->header_size == expected->header_size);
    CHECK(states[i]->expected == expected->expected);
    CHECK(states[i]->buffered == expected->buffered);
    CHECK(states[i]->codec == expected->codec);
    CHECK(states[i]->error == expected->error);
  }
  CHECK(framed > 100);
}

TEST_CASE("the trace's texts in Chinese: the catalogue's patterns, filled with the same parts", "[html]") {
  view::TraceTexts words({
      {"Part B: the cost, through a relay that adds 20 ms each way ({} × `seq 400`)", "第二部分：代价（{} × `seq 400`）"},
      {"decoding each recv failed at byte {0} of piece {1}", "逐次解码 recv 在第 {1} 片的第 {0} 字节处失败"},
      {"client", "客户端"},
      {"{} -> {}: {}", "{} -> {}：{}"},
      {"at byte {}: {}", "第 {} 字节处：{}"},
      {"length {} exceeds the maximum frame of {} bytes", "长度 {} 超过了最大帧长 {} 字节"},
      {"piece {}: UnicodeDecodeError: {}", "第 {} 片：UnicodeDecodeError：{}"},
      {"{} byte {} of {}", "{}第 {} 字节（共 {} 字节）"},
      {"{{}} means {}", "{{}} 表示 {}"},
  });
  CHECK(words.localize("Part B: the cost, through a relay that adds 20 ms each way (5 × `seq 400`)") ==
        "第二部分：代价（5 × `seq 400`）");
  CHECK(words.localize("decoding each recv failed at byte 1023 of piece 1") == "逐次解码 recv 在第 1 片的第 1023 字节处失败");
  // A message inside a message, each part translated.
  CHECK(words.localize("negative -> client: at byte 0: length 4294967295 exceeds the maximum frame of 16777216 bytes") ==
        "negative -> 客户端：第 0 字节处：长度 4294967295 超过了最大帧长 16777216 字节");
  // Python's own words stay as Python said them; " byte … of " inside them is no pattern.
  CHECK(words.localize("piece 1: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe6 in position 1023: unexpected "
                       "end of data") ==
        "第 1 片：UnicodeDecodeError：'utf-8' codec can't decode byte 0xe6 in position 1023: unexpected end of data");
  CHECK(words.localize("'gbk' codec can't decode byte 0xd6 in position 1023: incomplete multibyte sequence") ==
        "'gbk' codec can't decode byte 0xd6 in position 1023: incomplete multibyte sequence");
  CHECK(words.localize("{} means nothing") == "{} 表示 nothing");
  CHECK(words.localize("a text the catalogue does not have") == "a text the catalogue does not have");
}

TEST_CASE("every lesson links its page next to its picture, in both languages", "[html]") {
  auto lessons = source_root() / "lessons";
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(lessons)) {
    auto name = entry.path().stem().string();
    if (entry.path().extension() != ".md" || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    for (auto [file, picture, page] : {std::tuple{lessons / (name + ".md"), "(pictures/" + name + ".svg)",
                                                  "(pictures/" + name + ".html)"},
                                       std::tuple{lessons / "zh" / (name + ".md"), "(../pictures/" + name + ".svg)",
                                                  "(../pictures/" + name + ".zh.html)"}}) {
      INFO(file);
      std::ifstream in(file);
      REQUIRE(in);
      std::string line, previous;
      bool linked = false;
      while (std::getline(in, line)) {
        if (line.find(page) != std::string::npos) linked = previous.find(picture) != std::string::npos;
        previous = line;
      }
      CHECK(linked);  // on the line right after the picture
    }
    for (auto page : {name + ".html", name + ".zh.html"}) {
      INFO(page);
      auto path = lessons / "pictures" / page;
      REQUIRE(fs::exists(path));
      CHECK(data_of(path.string())["calls"].size() > 0);
    }
    ++checked;
  }
  CHECK(checked >= 11);
}

TEST_CASE("demo 01's page in a browser: the 14-byte recv, keys, hex, both schemes, Chinese, --predict",
          "[html][browser]") {
  auto trace = out("01.jsonl");
  {
    auto run = test::run({binary("01-nagle-merge"), "--json"}, {}, 60);
    REQUIRE(run.status == 0);
    std::ofstream(trace) << run.out;
  }
  export_page({"--demo", "01", "--lang", "en", "--export-html", out("01.html")});
  export_page({"--replay", trace, "--lang", "zh", "--export-html", out("01.zh.html")});
  export_page({"--replay", trace, "--lang", "en", "--predict", "--export-html", out("01.predict.html")});

  const std::string first_recv = "document.querySelector('.call.recv')";
  const std::string selected = "Number(document.querySelector('.call.sel').dataset.call)";
  auto r = browse({
      open(out("01.html")),                                                                     // 0
      shot("01-opened.png"),                                                                    // 1
      eval("[document.getElementById('heading').textContent, document.getElementById('col-sent').textContent]"),
      key_until(" ", "!!" + first_recv, 40),                                                    // 3
      eval(kBlockOf + std::string("(") + first_recv + ")"),                                     // 4
      shot("01-first-recv-14-bytes.png"),                                                       // 5
      eval(selected),                                                                           // 6
      key("ArrowUp"),                                                                           // 7
      eval(selected),                                                                           // 8
      shot("01-key-up-selects-previous.png"),                                                   // 9
      key("ArrowDown"),                                                                         // 10
      eval(selected),                                                                           // 11
      eval("[...document.querySelectorAll('#hex-rows .row .m')].map(m => m.textContent).join(' ')"),
      eval("getComputedStyle(document.body).backgroundColor"),                                  // 13
      {{"cmd", "media"}, {"dark", true}},                                                       // 14
      eval("getComputedStyle(document.body).backgroundColor"),                                  // 15
      shot("01-dark.png"),                                                                      // 16
      eval("document.querySelector('[data-action=theme]').click(), getComputedStyle(document.body).backgroundColor"),
      open(out("01.zh.html")),                                                                  // 18
      key_until(" ", "document.getElementById('heading').textContent.startsWith('▶')", 10),     // 19
      eval("[document.documentElement.lang, document.getElementById('heading').textContent, "
           "document.getElementById('col-sent').textContent, document.querySelector('.divider').textContent]"),
      shot("01-chinese.png"),                                                                   // 21
      open(out("01.predict.html")),                                                             // 22
      key_until(" ", "!document.getElementById('question').hidden", 40),                        // 23
      eval("document.getElementById('question-text').textContent"),                             // 24
      shot("01-predict-question.png"),                                                          // 25
      {{"cmd", "type"}, {"text", "14"}},                                                        // 26
      key("Enter"),                                                                             // 27
      eval("[document.getElementById('status').textContent, document.getElementById('question').hidden, "
           "document.querySelectorAll('.call.recv').length]"),
      shot("01-predict-verdict.png"),                                                           // 29
  });
  INFO(r.dump(1));
  CHECK(r[0]["ready_ms"].is_number());
  CHECK(r[2]["value"] == json({"Press space to step through the trace, p to play.", "sent: each send() call"}));
  REQUIRE(r[3]["presses"].is_number());
  // The first recv of demo 01 shows its 14 bytes as messages 1–3 (粘包).
  const auto& block = r[4]["value"];
  CHECK(block["count"] == "→ 14 bytes");
  CHECK(block["markers"] == json({"[1]", "[2]", "[3]"}));
  CHECK(block["texts"] == json({"hello", "world", "egon"}));
  // A key moves the selection: ↑ to the call before, ↓ back.
  CHECK(r[6]["value"] == block["call"]);
  CHECK(r[8]["value"] == block["call"].get<int>() - 1);
  CHECK(r[11]["value"] == block["call"]);
  // The hex pane holds the recv's 14 bytes, to the last one.
  CHECK(r[12]["value"] == "68 65 6c 6c 6f 77 6f 72 6c 64 65 67 6f 6e");
  // Light by default, dark when the system prefers it, light again with the theme button.
  CHECK(r[13]["value"] == "rgb(255, 255, 255)");
  CHECK(r[15]["value"] == "rgb(18, 18, 18)");
  CHECK(r[17]["value"] == "rgb(255, 255, 255)");
  // The Chinese page: Chinese headings, the narration's own words.
  CHECK(r[20]["value"] == json({"zh-CN", "▶ 第一部分：三次 send()，一次迟到的 recv()", "发出：每次 send() 调用",
                                "▶ 第一部分：三次 send()，一次迟到的 recv()"}));
  // --predict: asked before the recv, the truth and the score after.
  CHECK(r[24]["value"] == "Predict: server recv(1024) will return how many bytes?");
  CHECK(r[28]["value"][0] == "→ server recv(1024) returned 14 bytes: right (1 of 1 so far)");
  CHECK(r[28]["value"][1] == true);
  CHECK(r[28]["value"][2] == 1);
}

TEST_CASE("a sticky-trace recording of two Python programs in a browser: the hex to the last byte; a phone",
          "[html][browser]") {
  auto trace = out("python-05.jsonl");
  fs::remove(trace);
  auto program = [](const char* name) { return (source_root() / "lessons/python" / name).string(); };
  {
    test::Process server({binary("sticky-trace"), "-q", "-o", trace, "--", "python3",
                          program("05-server-struct-prefix.py"), "--port", "0", "--once"});
    auto port = test::port_of(server.read_line(20));
    REQUIRE(!port.empty());
    auto client = test::run({binary("sticky-trace"), "-q", "-o", trace, "--", "python3",
                             program("05-client-struct-prefix.py"), "--port", port, "--command", "seq 400",
                             "--command", "echo hi"},
                            {}, 30);
    INFO(client.out << client.err);
    REQUIRE(client.status == 0);
    REQUIRE(server.wait(20) == 0);
  }
  export_page({"--replay", trace, "--lang", "en", "--export-html", out("python-05.html")});
  auto data = data_of(out("python-05.html"));
  std::uint64_t biggest = 0;
  for (const auto& c : data["calls"]) biggest = std::max(biggest, c["m"].get<std::uint64_t>());
  REQUIRE(biggest == 1492 + 4);  // `seq 400`'s answer and its header, in one sendall

  const std::string sel = "document.querySelector('.call.sel')";
  const std::string last_row = "[...document.querySelectorAll('#hex-rows .row[data-offset]')].pop()";
  // Each call's byte count: in the window, not cut off by its block.
  const std::string counts_seen = R"((() => {
    const bad = [], blocks = [...document.querySelectorAll('.call')];
    for (const b of blocks) {
      const c = b.querySelector('.count').getBoundingClientRect(), head = b.querySelector('.head').getBoundingClientRect();
      const text = b.querySelector('.count').textContent;
      if (!(c.width > 0 && c.right <= innerWidth && c.right <= head.right + 0.5 && /^→ \d+ bytes?$/.test(text)))
        bad.push(b.dataset.call + ': ' + text);
    }
    return {blocks: blocks.length, bad, wide: document.documentElement.scrollWidth - innerWidth};
  })())";
  auto r = browse({
      open(out("python-05.html")),                                                                 // 0
      key("End"),                                                                                  // 1
      key_until("ArrowUp", sel + ".dataset.bytes == " + std::to_string(biggest), 200),             // 2
      eval("document.getElementById('hex-title').textContent"),                                    // 3
      shot("python-05-biggest-call.png"),                                                          // 4
      eval("(v => { v.scrollTop = v.scrollHeight; return v.scrollHeight > v.clientHeight })"
           "(document.getElementById('hex-view'))"),                                               // 5
      {{"cmd", "wait"}, {"expr", "(r => r && +r.dataset.offset + r.querySelectorAll('.m').length == " +
                                     std::to_string(biggest) + ")(" + last_row + ")"}},             // 6
      eval("(r => [r.querySelector('.off').textContent, [...r.querySelectorAll('.m')].pop().textContent])(" + last_row +
           ")"),                                                                                   // 7
      shot("python-05-hex-last-byte.png"),                                                         // 8
      open(out("python-05.html"), 360, 740),                                                       // 9
      key("End"),                                                                                  // 10
      eval(counts_seen),                                                                           // 11
      shot("python-05-phone.png"),                                                                 // 12
      key("Home"),                                                                                 // 13
      key_until(" ", "document.querySelectorAll('.call').length >= 6", 40),                        // 14
      eval(counts_seen),                                                                           // 15
      shot("python-05-phone-start.png"),                                                           // 16
  });
  INFO(r.dump(1));
  REQUIRE(r[2]["presses"].is_number());
  CHECK(std::regex_match(r[3]["value"].get<std::string>(),
                         std::regex(R"(hex: 05-server-struct-prefix\.py \[\d+\] send — 1496 bytes)")));
  CHECK(r[5]["value"] == true);  // the hex pane had to be scrolled
  CHECK(r[6]["value"] == true);
  CHECK(r[7]["value"] == json({"000005d0: ", "0a"}));  // offset 1488 + 8: the last byte, 400's newline
  CHECK(r[11]["value"]["blocks"].get<int>() >= 6);
  CHECK(r[11]["value"]["bad"] == json::array());
  CHECK(r[11]["value"]["wide"] == 0);
  CHECK(r[15]["value"]["bad"] == json::array());
}
