// sticky-learn: the exercises as data (both languages, every file there), the fresh messages,
// and the command as a student uses it — every starter fails with its classic mistake named,
// every reference solution passes (some 20 times in a row), the wrong solutions students
// write (tests/learn/NN-name/WHAT/FILE, each saying what must be reported) fail with the
// right diagnosis, a program that cannot run is "not judged" (exit 3), init never
// overwrites, watch grades again on save, Ctrl-C stops everything, in English and Chinese.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "learn/exercise.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

fs::path source_root() {
  // build/bin/sticky-tests -> the source tree two levels up
  auto root = fs::path(test::binary("x")).parent_path().parent_path().parent_path();
  if (!fs::exists(root / "exercises")) root = fs::current_path();
  return root;
}

fs::path exercises_dir() { return source_root() / "exercises"; }

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

// A workspace of its own, removed at the end.
struct Workspace {
  fs::path path;
  Workspace() {
    char name[] = "/tmp/sticky-learn-test-XXXXXX";
    path = ::mkdtemp(name);
    path /= "ws";
    auto r = test::run({test::binary("sticky-learn"), "init", path.string()}, {}, 30, {"NO_COLOR=1"});
    REQUIRE(r.status == 0);
  }
  ~Workspace() { fs::remove_all(path.parent_path()); }
  // Puts the reference solution of every part in, then `file` from `from` over it.
  void solve(const std::string& exercise) {
    for (const auto& f : fs::directory_iterator(exercises_dir() / exercise / "reference"))
      fs::copy_file(f.path(), path / exercise / f.path().filename(), fs::copy_options::overwrite_existing);
  }
  void put(const std::string& exercise, const fs::path& from) {
    fs::copy_file(from, path / exercise / from.filename(), fs::copy_options::overwrite_existing);
  }
};

test::Run sticky_learn(const Workspace& ws, std::vector<std::string> args, double seconds = 120,
                std::vector<std::string> env = {}) {
  args.insert(args.begin(), test::binary("sticky-learn"));
  args.insert(args.end(), {"--dir", ws.path.string()});
  env.push_back("NO_COLOR=1");
  return test::run(args, {}, seconds, env);
}

json check_json(const Workspace& ws, const std::string& exercise, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"check", exercise, "--json"};
  args.insert(args.end(), more.begin(), more.end());
  auto r = sticky_learn(ws, args);
  INFO(r.err);
  json j = json::parse(r.out);  // one object, nothing else
  CHECK(j.at("status").get<int>() == r.status);
  return j;
}

std::string one_line(std::string text) {
  for (auto& c : text)
    if (c == '\n') c = ' ';
  std::string out;
  for (char c : text)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

// Whether any process still runs in `dir` (its working directory is in it).
bool something_runs_in(const fs::path& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  while (dirent* e = ::readdir(proc.get())) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    std::error_code error;
    auto cwd = fs::read_symlink(fs::path("/proc") / e->d_name / "cwd", error);
    if (!error && cwd.string().rfind(dir.string(), 0) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("sticky-learn's exercises are data: one for each lesson 01-11, every text in both languages", "[learn]") {
  auto all = learn::load_exercises(exercises_dir());
  REQUIRE(all.size() >= 11);
  for (int n = 1; n <= 11; ++n) {
    const auto* e = learn::find_exercise(all, std::to_string(n));
    REQUIRE(e);
    INFO(e->name);
    CHECK(e->lesson.substr(0, 2) == e->number_text());
    CHECK(fs::exists(source_root() / "lessons" / (e->lesson + ".md")));
    CHECK(fs::exists(source_root() / "lessons/zh" / (e->lesson + ".md")));
    for (const auto* t : {&e->title, &e->task, &e->fix}) {
      CHECK(!t->en.empty());
      CHECK(!t->zh.empty());
    }
    CHECK(e->hints.size() >= 2);
    for (const auto& h : e->hints) CHECK((!h.en.empty() && !h.zh.empty()));
    for (const auto& r : e->rules) CHECK((!r.diagnosis.en.empty() && !r.diagnosis.zh.empty()));
    for (const auto& p : e->parts) {
      std::string starter = read(e->dir / "starter" / p.file);
      CHECK(starter.find("# @task@") != std::string::npos);  // where init writes the task
      CHECK(starter.find("TODO") != std::string::npos);
    }
  }
  CHECK(learn::find_exercise(all, "05")->name == "05-struct-headers");
  CHECK(learn::find_exercise(all, "struct-headers")->number == 5);
  CHECK(learn::find_exercise(all, "12") == nullptr);
}

TEST_CASE("sticky-learn's messages are fresh: the same seed gives the same ones, another seed others", "[learn]") {
  const std::string t = "echo {word} {int:300:450} {zh:2:2} {chars:16} {text:40:40}";
  learn::Generator a(7), b(7), c(8);
  std::string x = a.expand(t);
  CHECK(x == b.expand(t));
  CHECK(x != c.expand(t));
  CHECK(learn::Generator(1).expand("{int:3:3}") == "3");
  CHECK(learn::Generator(1).expand("{chars:16}").size() == 16);
  CHECK(learn::Generator(1).expand("{text:1024:1024}").size() == 1024);
  CHECK(learn::Generator(1).expand("{{literal}}") == "{literal}");
  CHECK_THROWS_AS(learn::Generator(1).expand("{nonsense}"), std::invalid_argument);
}

TEST_CASE("sticky-learn init makes a starter per exercise and the progress file, and never overwrites", "[learn]") {
  Workspace ws;
  CHECK(fs::exists(ws.path / "sticky-progress.json"));
  std::string starter = read(ws.path / "05-struct-headers/server.py");
  CHECK(starter.find("# Exercise 05") == 0);  // the task at the top, in the student's language
  CHECK(starter.find("sticky-learn check 05") != std::string::npos);
  CHECK(fs::exists(ws.path / "05-struct-headers/builtin_commands.py"));
  CHECK(fs::exists(ws.path / "03-commands/client.py"));

  write(ws.path / "05-struct-headers/server.py", "# mine\n");
  auto again = test::run({test::binary("sticky-learn"), "init", ws.path.string()}, {}, 30, {"NO_COLOR=1"});
  CHECK(again.status == 0);
  CHECK(read(ws.path / "05-struct-headers/server.py") == "# mine\n");
  CHECK(again.out.find("init never overwrites") != std::string::npos);

  // In Chinese, the task is written in Chinese.
  char name[] = "/tmp/sticky-learn-test-XXXXXX";
  fs::path zh = fs::path(::mkdtemp(name)) / "ws";
  auto r = test::run({test::binary("sticky-learn"), "init", zh.string(), "--lang", "zh"}, {}, 30);
  CHECK(r.status == 0);
  CHECK(read(zh / "05-struct-headers/server.py").find("# 练习 05") == 0);
  fs::remove_all(zh.parent_path());
}

TEST_CASE("sticky-learn: every starter fails, with the diagnosis of its classic mistake", "[learn]") {
  struct Case {
    const char* exercise;
    const char* symptom;
    const char* diagnosis;
  };
  const Case cases[] = {
      {"01", "cut", "takes whatever one recv() returns for one name"},
      {"02", "cut", "returns after one recv()"},
      {"03", "unframed_answer", "reads the command with one recv(1024), its 4-byte header and all"},
      {"04", "extra_round_trip", "still sends the length as text and waits for b\"ready\""},
      {"05", "byte_order", "struct.pack(\"i\")"},
      {"06", "two_writes", "in two send() calls"},
      {"07", "truncated_datagram", "does not notice when one is longer"},
      {"08", "closed", "takes the empty message for the end"},
      {"09", "cut", "recv(4) on the bare socket"},
      {"10", "partial_send_ignored", "ignores what it returned"},
      {"11", "exit_status", "decodes each recv() by itself"},
  };
  Workspace ws;
  for (const auto& c : cases) {
    INFO(c.exercise);
    json j = check_json(ws, c.exercise);
    CHECK(j["status"] == 1);
    CHECK(j["passed"] == false);
    CHECK(j["symptom"] == c.symptom);
    CHECK(j["diagnosis"].get<std::string>().find(c.diagnosis) != std::string::npos);
    CHECK(j["failed_step"].get<int>() >= 1);
    CHECK(!j["fix"].get<std::string>().empty());
  }
}

TEST_CASE("sticky-learn: every reference solution passes", "[learn]") {
  Workspace ws;
  for (int n = 1; n <= 11; ++n) {
    std::string name = learn::find_exercise(learn::load_exercises(exercises_dir()), std::to_string(n))->name;
    INFO(name);
    ws.solve(name);
    if (n == 2 || n == 5 || n == 11) {  // checked 20 times below
      CHECK(sticky_learn(ws, {"check", std::to_string(n), "--seed", "1"}).status == 0);
      continue;
    }
    json j = check_json(ws, std::to_string(n));
    CHECK(j["status"] == 0);
    CHECK(j["passed"] == true);
    CHECK(!j["proven"].empty());
  }
  // ... and then the list says so.
  auto r = sticky_learn(ws, {"list", "--json"});
  json list = json::parse(r.out);
  CHECK(list["done"] == list["total"]);
}

TEST_CASE("sticky-learn: a reference solution passes 20 checks in a row (fresh messages and cuts each time)", "[learn]") {
  auto exercise = GENERATE(as<std::string>{}, "02-recv-exact", "05-struct-headers", "11-decode-after-framing");
  Workspace ws;
  ws.solve(exercise);
  for (int i = 0; i < 20; ++i) {
    auto r = sticky_learn(ws, {"check", exercise.substr(0, 2), "--budget", "6"});
    INFO(exercise << " run " << i + 1 << ":\n" << r.out << r.err);
    REQUIRE(r.status == 0);
  }
}

TEST_CASE("sticky-learn: wrong solutions as students write them fail with the right diagnosis", "[learn]") {
  // tests/learn/NN-name/WHAT/FILE, whose first line is "# expect: SYMPTOM | words of the diagnosis"
  std::vector<fs::path> wrong;
  for (const auto& e : fs::recursive_directory_iterator(source_root() / "tests/learn"))
    if (e.path().extension() == ".py") wrong.push_back(e.path());
  std::sort(wrong.begin(), wrong.end());
  REQUIRE(wrong.size() >= 22);
  std::map<std::string, int> per_exercise;
  Workspace ws;
  for (const auto& file : wrong) {
    std::string exercise = file.parent_path().parent_path().filename().string();
    ++per_exercise[exercise];
    std::string first;
    std::getline(std::ifstream(file) >> std::ws, first);
    std::smatch m;
    REQUIRE(std::regex_match(first, m, std::regex(R"(# expect: (\S+) \| (.*))")));
    ws.solve(exercise);
    ws.put(exercise, file);
    INFO(file.string());
    json j = check_json(ws, exercise.substr(0, 2));
    CHECK(j["status"] == 1);
    if (m[1] != "*") CHECK(j["symptom"] == m[1].str());
    CHECK(j["diagnosis"].get<std::string>().find(m[2].str()) != std::string::npos);
  }
  for (int n = 1; n <= 11; ++n) {
    std::string prefix = fmt::format("{:02}-", n);
    int count = 0;
    for (const auto& [name, k] : per_exercise)
      if (name.rfind(prefix, 0) == 0) count += k;
    INFO(prefix);
    CHECK(count >= 2);
  }
}

TEST_CASE("sticky-learn check: passing means right, not the same however cut: silence and hard-coded answers fail", "[learn]") {
  Workspace ws;
  // A client that reads everything and prints nothing: the same however cut, and wrong.
  write(ws.path / "11-decode-after-framing/client.py",
        "import socket, sys\n"
        "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
        "while s.recv(4096):\n    pass\n");
  json j = check_json(ws, "11");
  CHECK(j["status"] == 1);
  CHECK(j["symptom"] == "output_differs");
  // A server that answers what it answered last time: fresh messages tell.
  write(ws.path / "01-lines/server.py",
        "import socket, sys\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(5)\n"
        "while True:\n    c, _ = s.accept()\n    f = c.makefile('rb')\n"
        "    for line in f:\n        c.sendall(b'hello, alice!\\n')\n    c.close()\n");
  j = check_json(ws, "01", {"--seed", "1"});
  CHECK(j["status"] == 1);
  CHECK(j["symptom"] == "wrong_answer");
}

TEST_CASE("sticky-learn check: a program that cannot run is not judged (exit 3), with the reason", "[learn]") {
  Workspace ws;
  SECTION("a syntax error") {
    write(ws.path / "02-recv-exact/server.py", "import socket\ndef recv_exact(sock, n)\n    return b''\n");
    json j = check_json(ws, "02");
    CHECK(j["status"] == 3);
    CHECK(j["verdict"] == "not judged");
    CHECK(j["reason"].get<std::string>().find("server.py, line 2") != std::string::npos);
    CHECK(j["reason"].get<std::string>().find("SyntaxError") != std::string::npos);
  }
  SECTION("an import error") {
    write(ws.path / "05-struct-headers/server.py", "import socket\nfrom builtin_comands import run_command\n");
    json j = check_json(ws, "05");
    CHECK(j["status"] == 3);
    CHECK(j["reason"].get<std::string>().find("ModuleNotFoundError") != std::string::npos);
  }
  SECTION("a server that never listens, in time") {
    write(ws.path / "06-one-write/server.py", "import time\ntime.sleep(60)\n");
    auto started = std::chrono::steady_clock::now();
    json j = check_json(ws, "06");
    CHECK(j["status"] == 3);
    CHECK(j["reason"].get<std::string>().find("did not listen") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - started < 30s);
  }
  SECTION("a client that never connects") {
    write(ws.path / "10-send-everything/client.py", "raise SystemExit('no server for me')\n");
    json j = check_json(ws, "10");
    CHECK(j["status"] == 3);
    CHECK(j["reason"].get<std::string>().find("no server for me") != std::string::npos);
  }
}

TEST_CASE("sticky-learn check --json: one object with every field", "[learn]") {
  Workspace ws;
  json j = check_json(ws, "05", {"--seed", "42"});
  for (const char* field : {"exercise", "number", "title", "lesson", "file", "seed", "status", "passed", "verdict", "steps",
                            "failed_step", "symptom", "diagnosis", "fix", "reason", "proven", "replay", "cuts", "notes",
                            "report"})
    CHECK(j.contains(field));
  CHECK(j["exercise"] == "05-struct-headers");
  CHECK(j["lesson"] == "lessons/05-struct-prefix.md");
  CHECK(j["seed"] == 42);
  CHECK(j["replay"] == "sticky-learn --dir " + ws.path.string() + " check 05 --seed 42");
  const auto& step = j["steps"].at(0);
  for (const char* field : {"step", "did", "expected", "got", "ok"}) CHECK(step.contains(field));
  CHECK(step["ok"] == false);  // its first answer already has the wrong header
  CHECK(j["report"].get<std::string>().find("FAILED at step 1.") != std::string::npos);
}

TEST_CASE("sticky-learn speaks English and Chinese: the report, the list, the hints", "[learn]") {
  Workspace ws;
  auto en = sticky_learn(ws, {"check", "08", "--lang", "en"});
  CHECK(en.status == 1);
  CHECK(en.out.find("FAILED at step") != std::string::npos);
  CHECK(one_line(en.out).find("takes the empty message for the end") != std::string::npos);
  CHECK(en.out.find("Reread: lessons/08-empty-and-eof.md") != std::string::npos);

  auto zh = sticky_learn(ws, {"check", "08", "--lang", "zh"});
  CHECK(zh.status == 1);
  CHECK(zh.out.find("练习失败") != std::string::npos);
  CHECK(zh.out.find("原因：") != std::string::npos);
  CHECK(zh.out.find("空消息") != std::string::npos);
  CHECK(zh.out.find("lessons/zh/08-empty-and-eof.md") != std::string::npos);
  CHECK(zh.out.find("Expected") == std::string::npos);

  auto by_lang = sticky_learn(ws, {"hint", "08"}, 30, {"LANGUAGE=zh_CN"});
  CHECK(by_lang.out.find("提示 1/") != std::string::npos);
  auto list = sticky_learn(ws, {}, 30, {"LANGUAGE=zh_CN"});
  CHECK(list.out.find("待做") != std::string::npos);
  // JSON never changes with the language.
  auto j = json::parse(sticky_learn(ws, {"check", "08", "--json", "--seed", "5", "--lang", "zh"}).out);
  CHECK(j["diagnosis"].get<std::string>().find("Your server") == 0);
  CHECK(j["report"].get<std::string>().find("练习失败") != std::string::npos);
}

TEST_CASE("sticky-learn: hints one at a time, reset keeps the student's version, the list and its progress bar", "[learn]") {
  Workspace ws;
  auto h1 = sticky_learn(ws, {"hint", "05"});
  auto h2 = sticky_learn(ws, {"hint", "05"});
  CHECK(h1.out.find("Hint 1 of 3 for exercise 05") == 0);
  CHECK(h2.out.find("Hint 2 of 3 for exercise 05") == 0);
  sticky_learn(ws, {"hint", "05"});
  auto h4 = sticky_learn(ws, {"hint", "05"});
  CHECK(h4.out.find("That was the last hint") != std::string::npos);

  write(ws.path / "05-struct-headers/server.py", "# my attempt\n");
  auto r = sticky_learn(ws, {"reset", "5"});
  CHECK(r.status == 0);
  CHECK(read(ws.path / "05-struct-headers/kept/server.1.py") == "# my attempt\n");
  CHECK(read(ws.path / "05-struct-headers/server.py").find("# Exercise 05") == 0);

  ws.solve("01-lines");
  CHECK(sticky_learn(ws, {"check", "01"}).status == 0);
  auto list = sticky_learn(ws, {});
  CHECK(list.out.find("▓░░░░░░░░░░ 1/11") != std::string::npos);
  CHECK(list.out.find("✓ 01") != std::string::npos);
  CHECK(list.out.find("▶ 02") != std::string::npos);
  json j = json::parse(sticky_learn(ws, {"list", "--json"}).out);
  CHECK(j["done"] == 1);
  CHECK(j["next"] == "02-recv-exact");
  const auto& first = j["exercises"].at(0);
  for (const char* field : {"number", "name", "title", "lesson", "files", "status"}) CHECK(first.contains(field));
  CHECK(first["status"] == "done");
  CHECK(j["exercises"].at(1)["status"] == "next");
  CHECK(j["exercises"].at(2)["status"] == "todo");
  CHECK(j["exercises"].at(2)["files"] == json::array({"server.py", "client.py"}));

  // With no N, check grades the next one not done; the workspace is found from inside it.
  auto next = test::run({"/usr/bin/env", "-C", (ws.path / "02-recv-exact").string(), test::binary("sticky-learn"), "check",
                         "--json"},
                        {}, 120, {"NO_COLOR=1"});
  CHECK(json::parse(next.out)["exercise"] == "02-recv-exact");
}

TEST_CASE("sticky-learn check --cuts replays the cut a report gives", "[learn]") {
  Workspace ws;
  json j = check_json(ws, "09", {"--seed", "3"});
  REQUIRE(j["symptom"] == "cut");
  std::string replay = j["replay"];
  auto at = replay.find("--cuts ");
  REQUIRE(at != std::string::npos);
  json again = check_json(ws, "09", {"--seed", "3", "--cuts", replay.substr(at + 7)});
  CHECK(again["status"] == 1);
  CHECK(again["steps"].at(0).contains("pieces"));
}

TEST_CASE("sticky-learn watch grades again when the file is saved, and stops once it passes", "[learn]") {
  Workspace ws;
  test::Process watch({test::binary("sticky-learn"), "watch", "02", "--dir", ws.path.string(), "--for", "2"}, {"NO_COLOR=1"});
  // Reads its output until a line holds `what` (blank lines are lines too), at most 90 s.
  auto until = [&](const std::string& what) {
    auto deadline = std::chrono::steady_clock::now() + 90s;
    while (std::chrono::steady_clock::now() < deadline)
      if (watch.read_line(5).find(what) != std::string::npos) return true;
    return false;
  };
  REQUIRE(until("FAILED"));
  REQUIRE(until("Watching"));  // it waits for the file to change
  ws.solve("02-recv-exact");    // the student saves the fix
  CHECK(until("PASSED"));
  CHECK(watch.wait(60) == 0);
}

TEST_CASE("sticky-learn: Ctrl-C stops the check and every program it started", "[learn]") {
  Workspace ws;
  // Exercise 04's starter makes the check wait for an answer that does not come.
  test::Process check({test::binary("sticky-learn"), "check", "04", "--dir", ws.path.string()}, {"NO_COLOR=1"});
  for (int i = 0; i < 100 && !something_runs_in(ws.path); ++i) std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(300ms);
  check.signal(SIGINT);
  CHECK(check.wait(10) == 130);
  std::this_thread::sleep_for(200ms);
  CHECK_FALSE(something_runs_in(ws.path));
}

TEST_CASE("sticky-learn usage errors: one line, a hint, exit 2", "[learn]") {
  Workspace ws;
  auto unknown = sticky_learn(ws, {"check", "42"});
  CHECK(unknown.status == 2);
  CHECK(unknown.err.find("no exercise 42") != std::string::npos);
  auto cuts = sticky_learn(ws, {"check", "05", "--cuts", "x,y"});
  CHECK(cuts.status == 2);
  auto none = test::run({test::binary("sticky-learn"), "check", "05", "--dir", "/nonexistent"}, {}, 30);
  CHECK(none.status == 2);
  CHECK(none.err.find("sticky-learn init") != std::string::npos);
  auto lang = sticky_learn(ws, {"--lang", "xx"});
  CHECK(lang.status == 2);
}
