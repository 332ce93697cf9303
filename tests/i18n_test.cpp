// The programs in Chinese: --lang zh, or LANG=zh_CN.UTF-8 on a machine with no zh_CN locale
// generated (only C, C.UTF-8 and POSIX here); English by default; --json the same in both
// languages; --predict played through a real terminal (tmux).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "support.hpp"

using test::binary;

namespace {

// argv run with exactly this language setting: LANG=`lang` (or none), nothing else that
// gettext would read (the test runner's own LANGUAGE must not decide).
test::Run run_in(const std::string& lang, std::vector<std::string> argv, std::string_view input = {}, double seconds = 60) {
  std::vector<std::string> full{"env", "-u", "LANGUAGE", "-u", "LC_ALL", "-u", "LC_MESSAGES", "-u", "LANG"};
  if (!lang.empty()) full.push_back("LANG=" + lang);
  full.insert(full.end(), argv.begin(), argv.end());
  return test::run(full, input, seconds);
}

struct DemoWords {
  const char* demo;
  const char* heading;  // a heading's start, in Chinese (empty: the demo's headings are not translated yet)
  const char* result;   // the Result line's start, in Chinese
};

// What each demo says first in Chinese, and how its result begins. A demo with no row here
// (a new one) is still checked: Chinese headings, a Chinese result, no English one.
const DemoWords kWords[] = {
    {"01-nagle-merge", "▶ 第一部分：三次 send()，一次迟到的 recv()", "结果：3 次 send -> 第一次 recv 收到"},
    {"02-short-read", "▶ 读不全：一次 send() 14 字节", "结果：recv(1)、recv(5)、recv(1024) 分别返回"},
    {"03-command-desync", "▶ 第一部分：客户端一发完就读；服务器执行一条命令要", "结果：`echo hi` 得到的回答是 `seq 400` 的最后"},
    {"04-naive-handshake", "▶ 第一部分：先发文本形式的长度，等 \"ready\"，再发消息体", "结果：握手治好了错位"},
    {"05-struct-prefix", "▶ 第一部分：每条命令和每个回答都用", "结果：直连、1 字节一片、随机分片时"},
    {"06-write-write-read", "▶ 每个请求的毫秒数，以及每个回答的 TCP 报文段数", "结果：两次 send()：每个请求"},
    {"07-udp-boundaries", "▶ 第二部分：3000 字节的数据报，1024 字节的缓冲区", "结果：3 个数据报读出 3 个"},
    {"08-empty-and-eof", "▶ 第二部分：UDP，这里真有空消息", "结果：send(\"\") 返回 0"},
    {"09-socketserver", "▶ tcp 服务器，threading 模式", "结果：sync："},
    {"10-partial-send", "▶ 第二部分：send_all()，遇到部分发送就循环", "结果：非阻塞 send() 只接收了"},
    {"11-text-cut", "▶ 第三部分：增量解码器把没读完的字符留给下一片", "结果：utf-8：逐次解码 recv"},
    {"12-real-link", "▶ 第一部分：回环接口，程序通常在这里测试", "结果："},
};

std::vector<DemoWords> demo_words() {
  std::vector<DemoWords> out;
  static std::vector<std::string> names = test::demos();
  for (const auto& name : names) {
    DemoWords d{name.c_str(), "▶ ", "结果："};
    for (const auto& w : kWords)
      if (name == w.demo) d = w;
    out.push_back(d);
  }
  return out;
}
const std::vector<DemoWords> kDemos = demo_words();

// Words of the Chinese narration that no English output contains.
const char* const kChineseWords[] = {"结果：", "客户端", "服务器", "字节", "第一部分"};

bool has_chinese_words(const std::string& text) {
  for (const char* w : kChineseWords)
    if (text.find(w) != std::string::npos) return true;
  return false;
}

void check_chinese(const DemoWords& d, const test::Run& r) {
  INFO(d.demo << " said:\n" << r.out << r.err);
  CHECK(r.status == 0);
  if (*d.heading) CHECK_THAT(r.out, Catch::Contains(d.heading));
  CHECK_THAT(r.out, Catch::Contains("\n" + std::string(d.result)));
  CHECK_THAT(r.out, !Catch::Contains("\nResult:"));
  CHECK_THAT(r.out, Catch::Contains("字节"));
}

// The shape of a JSON value: keys and types, not the values measured this run.
nlohmann::json shape(const nlohmann::json& j) {
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto& [k, v] : j.items()) out[k] = shape(v);
    return out;
  }
  if (j.is_array()) return "array";
  if (j.is_number()) return "number";
  return j.type_name();
}

struct Trace {
  std::vector<std::string> texts;  // every event's text, numbers masked
  nlohmann::json facts_shape;
  std::string raw;
};

Trace read_trace(const std::string& out) {
  static const std::regex number("[0-9]+(\\.[0-9]+)?");
  Trace t;
  t.raw = out;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    auto e = nlohmann::json::parse(line);
    // Numbers masked, and so are runs of them ("5, 5, 90" or "20 × 5": measured recv sizes,
    // folded as they came).
    static const std::regex run("#(( × #)|(, #))+");
    if (e.contains("text"))
      t.texts.push_back(e["op"].get<std::string>() + " " +
                        std::regex_replace(std::regex_replace(e["text"].get<std::string>(), number, "#"), run, "#"));
    if (e["op"] == "result") t.facts_shape = shape(e["facts"]);
  }
  return t;
}

// --- tmux, as tests/view_tmux_test.cpp drives it ---------------------------------------

class Tmux {
 public:
  Tmux(const std::string& command, int width = 100, int height = 50)
      : name_("sticky-i18n-" + std::to_string(::getpid()) + "-" + std::to_string(++count_)) {
    auto r = test::run({"tmux", "-L", socket(), "new-session", "-d", "-s", name_, "-x", std::to_string(width), "-y",
                        std::to_string(height),
                        "env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 " + command +
                            "; echo demo-exited-$?; exec cat"});
    if (r.status != 0) throw std::runtime_error("tmux failed: " + r.err);
  }
  ~Tmux() { test::run({"tmux", "-L", socket(), "kill-session", "-t", name_}); }
  void keys(const std::vector<std::string>& keys) {
    std::vector<std::string> argv{"tmux", "-L", socket(), "send-keys", "-t", name_};
    argv.insert(argv.end(), keys.begin(), keys.end());
    test::run(argv);
  }
  // Everything the pane has shown, scrollback included.
  std::string screen() { return test::run({"tmux", "-L", socket(), "capture-pane", "-p", "-S", "-", "-t", name_}).out; }
  // The screen once `done` says so (or, after `seconds`, whatever it shows).
  template <typename Done>
  std::string wait_until(Done&& done, double seconds = 15) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::string s;
    while (std::chrono::steady_clock::now() < deadline) {
      s = screen();
      if (done(s)) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return s;
  }

 private:
  static std::string socket() { return "sticky-i18n-" + std::to_string(::getpid()); }
  static inline int count_ = 0;
  std::string name_;
};

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Plays demo 02 with --predict: the first question answered right, the second wrong, the
// rest with Enter alone (no guess). Returns the whole screen at the end.
std::string play_predict(const std::string& extra, const std::string& prompt, const std::string& done) {
  Tmux t(binary("02-short-read") + " --predict " + extra);
  // A question waits at the end of the screen: "Predict: server recv(1) will return …? >"
  // (capture-pane drops the space after it).
  auto question_number = [&](std::size_t n) {
    return [&, n](const std::string& s) { return count_of(s, prompt) >= n; };
  };
  std::regex call(R"(recv\(([0-9]+)\))");
  auto last_call = [&](const std::string& s) {
    auto at = s.rfind(prompt);
    auto start = s.rfind('\n', at);
    std::string line = s.substr(start == std::string::npos ? 0 : start, at - (start == std::string::npos ? 0 : start));
    std::smatch m;
    return std::regex_search(line, m, call) ? m[1].str() : std::string("0");
  };
  std::string s = t.wait_until(question_number(1));
  // The first calls ask for 1 byte (the server) or for the 4 of "next" (the client): both
  // get exactly what they ask for.
  t.keys({last_call(s), "Enter"});
  s = t.wait_until(question_number(2));
  t.keys({"999", "Enter"});
  for (int i = 0; i < 200; ++i) {
    s = t.screen();
    if (s.find(done) != std::string::npos) break;
    t.keys({"Enter"});
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  return t.wait_until([](const std::string& s) { return s.find("demo-exited-") != std::string::npos; });
}

}  // namespace

TEST_CASE("every demo speaks Chinese with --lang zh: its headings and its result", "[i18n]") {
  for (const auto& d : kDemos) {
    SECTION(d.demo) { check_chinese(d, run_in("C.UTF-8", {binary(d.demo), "--lang", "zh"})); }
  }
}

TEST_CASE("every demo speaks Chinese when LANG names zh, with no zh_CN locale on the machine", "[i18n]") {
  for (const auto& d : kDemos) {
    SECTION(d.demo) { check_chinese(d, run_in("zh_CN.UTF-8", {binary(d.demo)})); }
  }
  // LANGUAGE comes first, as for gettext itself.
  auto r = test::run({"env", "-u", "LC_ALL", "-u", "LC_MESSAGES", "LANGUAGE=en", "LANG=zh_CN.UTF-8",
                      binary("07-udp-boundaries")});
  CHECK_THAT(r.out, Catch::Contains("\nResult: "));
  CHECK_FALSE(has_chinese_words(r.out));
}

TEST_CASE("English is the default: LANG unset, or C", "[i18n]") {
  for (std::string lang : {"", "C", "C.UTF-8", "en_US.UTF-8"}) {
    SECTION("LANG=" + lang) {
      auto r = run_in(lang, {binary("07-udp-boundaries")});
      INFO(r.out);
      CHECK(r.status == 0);
      CHECK_THAT(r.out, Catch::Contains("▶ Part A: three datagrams sent back to back, read late"));
      CHECK_THAT(r.out, Catch::Contains("  client   sendto             5 bytes  \"hello\"  datagram 1"));
      CHECK_THAT(r.out, Catch::Contains("\nResult: 3 datagrams read as 3"));
      CHECK_FALSE(has_chinese_words(r.out));
      auto f = run_in(lang, {binary("frametool"), "decode", "--max-frame", "1024"}, std::string("\x7f\xff\xff\xff", 4));
      CHECK(f.status == 1);
      CHECK(f.err == "frametool: at byte 0: length 2147483647 exceeds the maximum frame of 1024 bytes\n");
    }
  }
}

TEST_CASE("--lang accepts en and zh only: anything else is a usage error", "[i18n]") {
  auto r = run_in("C.UTF-8", {binary("07-udp-boundaries"), "--lang", "xx"});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("'xx' is not a language sticky speaks: en or zh"));
  CHECK(r.out.empty());
  // Said in the language of the environment, since the one asked for does not exist.
  auto zh = run_in("zh_CN.UTF-8", {binary("07-udp-boundaries"), "--lang", "xx"});
  CHECK(zh.status == 2);
  CHECK_THAT(zh.err, Catch::Contains("sticky 不会说 'xx'"));
  for (std::vector<std::string> argv : {std::vector<std::string>{binary("frametool"), "decode", "--lang", "fr"},
                                        {binary("relay"), "--to", "127.0.0.1:1", "--lang", "fr"},
                                        {binary("sticky-trace"), "--lang", "fr", "--", "true"},
                                        {binary("sticky-check"), "server", "--port", "1", "--lang", "fr"}}) {
    auto bad = run_in("C.UTF-8", argv);
    INFO(argv[0] << ": " << bad.err);
    CHECK(bad.status == 2);
    CHECK_THAT(bad.err, Catch::Contains("is not a language sticky speaks"));
  }
  CHECK(run_in("C.UTF-8", {binary("07-udp-boundaries"), "--lang", "en"}).status == 0);
  CHECK(run_in("C.UTF-8", {binary("07-udp-boundaries"), "--lang", "zh_CN"}).status == 0);
}

TEST_CASE("--json is the same in both languages: English texts, the same facts", "[i18n]") {
  for (const auto& d : kDemos) {
    SECTION(d.demo) {
      // Facts measured on a busy machine can change their form (1 recv call, or 2): compare
      // two runs of each language, up to three times, before calling it a difference.
      Trace en, zh;
      for (int attempt = 0; attempt < 3; ++attempt) {
        auto e = run_in("C.UTF-8", {binary(d.demo), "--json"});
        auto z = run_in("zh_CN.UTF-8", {binary(d.demo), "--json", "--lang", "zh"});
        REQUIRE(e.status == 0);
        REQUIRE(z.status == 0);
        en = read_trace(e.out);
        zh = read_trace(z.out);
        if (en.texts == zh.texts && en.facts_shape == zh.facts_shape) break;
      }
      INFO("English:\n" << en.raw << "\nwith --lang zh:\n" << zh.raw);
      CHECK(en.texts == zh.texts);
      CHECK(en.facts_shape == zh.facts_shape);
      CHECK_FALSE(has_chinese_words(zh.raw));
      CHECK_FALSE(zh.texts.empty());
    }
  }
}

TEST_CASE("frametool speaks Chinese with --lang zh: errors, and inspect's labels", "[i18n]") {
  auto big = run_in("C.UTF-8", {binary("frametool"), "decode", "--max-frame", "1024", "--lang", "zh"},
                    std::string("\x7f\xff\xff\xff", 4));
  CHECK(big.status == 1);
  CHECK(big.err == "frametool: 第 0 字节处：长度 2147483647 超过了最大帧长 1024 字节\n");
  auto text = run_in("C.UTF-8", {binary("frametool"), "decode", "--lang", "zh"}, "hello world");
  CHECK(text.status == 1);
  CHECK_THAT(text.err, Catch::Contains("这个流看起来是文本，不是带长度前缀的"));
  auto unknown = run_in("C.UTF-8", {binary("frametool"), "bogus", "--lang", "zh"});
  CHECK(unknown.status == 2);
  CHECK_THAT(unknown.err, Catch::Contains("frametool: 未知命令 'bogus'（应为 encode、decode 或 inspect）"));
  CHECK_THAT(unknown.err, Catch::Contains("运行 'frametool --help' 查看用法。"));
  auto encoded = run_in("C.UTF-8", {binary("frametool"), "encode", "hello"});
  auto inspect = run_in("zh_CN.UTF-8", {binary("frametool"), "inspect"}, encoded.out);
  CHECK(inspect.status == 0);
  CHECK_THAT(inspect.out, Catch::Contains("第 1 帧，位于第 0 字节：线上 9 字节，载荷 5 字节"));
  CHECK_THAT(inspect.out, Catch::Contains("  长度字段      00 00 00 05"));
  // The frames themselves never change with the language.
  auto decoded = run_in("zh_CN.UTF-8", {binary("frametool"), "decode", "--format", "json"}, encoded.out);
  CHECK(decoded.out == "{\"bytes\":5,\"data\":\"68656c6c6f\",\"frame\":1,\"offset\":0}\n");
}

TEST_CASE("relay, sticky-trace and sticky-check speak Chinese with --lang zh", "[i18n]") {
  auto relay = run_in("C.UTF-8", {binary("relay"), "--lang", "zh", "--to", "127.0.0.1:1", "--cuts", "0"});
  CHECK(relay.status == 2);
  CHECK_THAT(relay.err, Catch::Contains("relay: --cuts：0 不是切点"));

  auto trace = run_in("C.UTF-8", {binary("sticky-trace"), "--lang", "zh"});
  CHECK(trace.status == 2);
  CHECK_THAT(trace.err, Catch::Contains("sticky-trace: 没有要运行的命令"));
  // The program traced sees the environment it was given, not the one gettext needed.
  auto dir = std::filesystem::temp_directory_path() / ("sticky-i18n-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto traced = run_in("C.UTF-8", {binary("sticky-trace"), "--lang", "zh", "--no-color", "-o", (dir / "t.jsonl").string(),
                                   "--", "sh", "-c", "echo LANGUAGE=[$LANGUAGE]"});
  CHECK(traced.status == 0);
  CHECK(traced.out == "LANGUAGE=[]\n");
  CHECK_THAT(traced.err, Catch::Contains("没有记录到任何套接字调用"));

  auto server = run_in("C.UTF-8", {binary("sticky-check"), "server", "--lang", "zh", "--port", "1", "--", "false"});
  CHECK(server.status == 3);
  CHECK_THAT(server.out, Catch::Contains("基准运行失败（退出码 3）：还没有切开任何东西。"));
  CHECK_THAT(server.out, Catch::Contains("程序在监听 127.0.0.1:1 之前就结束了（退出码 1）。"));
  auto json = run_in("C.UTF-8", {binary("sticky-check"), "server", "--json", "--lang", "zh", "--port", "1", "--", "false"});
  CHECK(json.status == 3);
  auto report = nlohmann::json::parse(json.out);
  CHECK(report["reference_failure"] == "The program ended (exit status 1) before it listened on 127.0.0.1:1.");
  auto usage = run_in("zh_CN.UTF-8", {binary("sticky-check"), "client", "--listen", "9", "--upstream", "127.0.0.1:1"});
  CHECK(usage.status == 2);
  CHECK_THAT(usage.err, Catch::Contains("client 模式需要要运行的程序"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("--predict at a terminal: a question before each recv, the verdict after, the score at the end",
          "[i18n][tmux]") {
  SECTION("English") {
    auto s = play_predict("", "will return how many bytes? >", "You predicted");
    INFO(s);
    CHECK_THAT(s, Catch::Contains("Predict: server recv(1) will return how many bytes? >"));
    CHECK_THAT(s, Catch::Contains("Predict: client recv(4) will return how many bytes? >"));
    // (Which verdict comes first depends on which side asked first.)
    CHECK_THAT(s, Catch::Contains(": right (1 of "));
    CHECK_THAT(s, Catch::Contains(": not this time ("));
    CHECK_THAT(s, Catch::Contains("→ server recv(1) returned 1 byte: "));
    CHECK_THAT(s, Catch::Contains(": no guess ("));
    CHECK(std::regex_search(s, std::regex("\nYou predicted 1 of [0-9]+ receives\\.\n")));
    CHECK_THAT(s, Catch::Contains("demo-exited-0"));
  }
  SECTION("Chinese") {
    auto s = play_predict("--lang zh", "会返回多少字节？>", "你猜对了");
    INFO(s);
    CHECK_THAT(s, Catch::Contains("预测：服务器的 recv(1) 会返回多少字节？>"));
    CHECK_THAT(s, Catch::Contains("：对了（目前 1/"));
    CHECK_THAT(s, Catch::Contains("：这次不对（目前 "));
    CHECK_THAT(s, Catch::Contains("→ 服务器 recv(1) 返回了 1 字节："));
    CHECK(std::regex_search(s, std::regex("\n[0-9]+ 次接收，你猜对了 1 次。\n")));
    CHECK_THAT(s, Catch::Contains("demo-exited-0"));
  }
}
