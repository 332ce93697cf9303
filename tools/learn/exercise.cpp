#include "learn/exercise.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

#include "speak/language.hpp"
#include "sticky/bytes.hpp"

namespace learn {

using nlohmann::json;

speak::Text Bilingual::text() const {
  bool chinese = speak::current_language() == speak::Language::chinese && !zh.empty();
  return speak::Text{en, chinese ? zh : en};
}

std::string Exercise::number_text() const { return fmt::format("{:02}", number); }

std::vector<std::string> Exercise::files() const {
  std::vector<std::string> out;
  for (const auto& p : parts) out.push_back(p.file);
  return out;
}

namespace {

struct BadData : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Bilingual bilingual(const json& j, const char* key, bool required) {
  if (!j.contains(key)) {
    if (required) throw BadData(fmt::format("\"{}\" is missing", key));
    return {};
  }
  const json& v = j.at(key);
  if (v.is_string()) return {v.get<std::string>(), {}};
  if (!v.is_object() || !v.contains("en")) throw BadData(fmt::format("\"{}\" needs \"en\" (and \"zh\")", key));
  return {v.at("en").get<std::string>(), v.value("zh", std::string())};
}

std::vector<std::string> strings(const json& j, const char* key) {
  if (!j.contains(key)) return {};
  return j.at(key).get<std::vector<std::string>>();
}

Role role_of(const std::string& name) {
  if (name == "server") return Role::server;
  if (name == "client") return Role::client;
  if (name == "udp-server") return Role::udp_server;
  throw BadData(fmt::format("role \"{}\": server, client or udp-server", name));
}

Part part_of(const json& j) {
  Part p;
  p.file = j.at("file").get<std::string>();
  p.role = role_of(j.value("role", std::string("server")));
  p.codec = j.value("codec", std::string());
  p.messages = strings(j, "messages");
  if (j.contains("hostile")) p.hostile = sticky::from_hex(j.at("hostile").get<std::string>());
  p.next_connection = j.value("next_connection", p.role == Role::server);
  p.idle_client = j.value("idle_client", false);
  p.cuts = j.value("cuts", false);
  p.calls = strings(j, "calls");
  p.peer = j.value("peer", std::string());
  p.peer_args = strings(j, "peer_args");
  p.args = strings(j, "args");
  for (const auto& c : p.calls)
    if (c != "one_write" && c != "one_round_trip" && c != "every_byte" && c != "datagrams")
      throw BadData(fmt::format("calls \"{}\": one_write, one_round_trip, every_byte or datagrams", c));
  if (p.role == Role::client && p.peer.empty()) throw BadData(fmt::format("{}: a client needs a \"peer\"", p.file));
  if (p.role != Role::client && p.messages.empty()) throw BadData(fmt::format("{}: a server needs \"messages\"", p.file));
  return p;
}

Rule rule_of(const json& j) {
  Rule r;
  r.symptom = j.value("symptom", std::string());
  r.mistake = j.value("mistake", std::string());
  r.file = j.value("file", std::string());
  static const char* const known[] = {"wrong_answer", "no_answer", "incomplete", "closed", "died", "bad_frame",
                                      "byte_order", "unframed_answer", "not_refused", "next_connection",
                                      "blocked_by_idle_client", "two_writes", "extra_round_trip",
                                      "partial_send_ignored", "truncated_datagram", "request_unframed", "sent_less",
                                      "sent_differs", "output_differs", "exit_status", "stuck", "cut", "uncut_failed"};
  if (!r.symptom.empty() && std::find(std::begin(known), std::end(known), r.symptom) == std::end(known))
    throw BadData(fmt::format("symptom \"{}\" is none that sticky-learn reports", r.symptom));
  if (j.contains("message_empty")) r.message_empty = j.at("message_empty").get<bool>();
  r.got_contains = j.value("got_contains", std::string());
  r.got_regex = j.value("got_regex", std::string());
  r.stderr_contains = j.value("stderr_contains", std::string());
  r.output_contains = j.value("output_contains", std::string());
  r.diagnosis = bilingual(j, "diagnosis", true);
  r.fix = bilingual(j, "fix", false);
  return r;
}

Exercise exercise_of(const fs::path& dir) {
  std::ifstream in(dir / "exercise.json");
  if (!in) throw BadData("cannot read it");
  json j = json::parse(in);
  Exercise e;
  e.dir = dir;
  e.name = dir.filename().string();
  if (e.name.size() < 3 || !std::isdigit(static_cast<unsigned char>(e.name[0])) ||
      !std::isdigit(static_cast<unsigned char>(e.name[1])) || e.name[2] != '-')
    throw BadData("the folder's name must be NN-name");
  e.number = std::stoi(e.name.substr(0, 2));
  e.title = bilingual(j, "title", true);
  e.task = bilingual(j, "task", true);
  e.lesson = j.at("lesson").get<std::string>();
  e.support = strings(j, "support");
  for (const auto& p : j.at("parts")) e.parts.push_back(part_of(p));
  if (e.parts.empty()) throw BadData("\"parts\" is empty");
  for (const auto& h : j.value("hints", json::array())) {
    json holder{{"h", h}};
    e.hints.push_back(bilingual(holder, "h", true));
  }
  for (const auto& r : j.value("diagnoses", json::array())) e.rules.push_back(rule_of(r));
  e.fix = bilingual(j, "fix", false);
  for (const auto& p : e.parts) {
    if (!fs::exists(dir / "starter" / p.file)) throw BadData(fmt::format("starter/{} is missing", p.file));
    if (!fs::exists(dir / "reference" / p.file)) throw BadData(fmt::format("reference/{} is missing", p.file));
    if (!p.peer.empty() && !fs::exists(dir / p.peer)) throw BadData(fmt::format("{} is missing", p.peer));
  }
  return e;
}

}  // namespace

std::vector<Exercise> load_exercises(const fs::path& dir) {
  std::vector<Exercise> out;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (!entry.is_directory() || !fs::exists(entry.path() / "exercise.json")) continue;
    try {
      out.push_back(exercise_of(entry.path()));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}: {}", (entry.path() / "exercise.json").string(), e.what()));
    }
  }
  if (error) throw std::runtime_error(fmt::format("{}: {}", dir.string(), error.message()));
  std::sort(out.begin(), out.end(), [](const Exercise& a, const Exercise& b) { return a.name < b.name; });
  return out;
}

fs::path exercises_dir() {
  if (const char* env = std::getenv("STICKY_EXERCISES"); env && *env) return env;
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) return {};
  // Beside build/bin, an installed copy, then beside a build two folders deep (build/asan/bin).
  for (const char* relative : {"../../exercises", "../share/sticky/exercises", "../../../exercises"}) {
    fs::path candidate = (self.parent_path() / relative).lexically_normal();
    if (fs::is_directory(candidate, error)) return candidate;
  }
  return {};
}

const Exercise* find_exercise(const std::vector<Exercise>& all, std::string_view name) {
  for (const auto& e : all) {
    if (name == e.name || name == e.name.substr(3)) return &e;
    bool digits = !name.empty() && name.size() <= 3 &&
                  std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && std::stoi(std::string(name)) == e.number) return &e;
  }
  return nullptr;
}

// ------------------------------------------------------------------------------ fresh messages

namespace {

const char* const kWords[] = {"kiwi",  "mango", "apple", "lemon", "peach", "plum",  "melon", "grape",
                              "cherry", "fig",  "lime",  "pear",  "berry", "olive", "date",  "guava"};
const char* const kNames[] = {"alice", "bob",   "carol", "dave",   "egon",  "li lei", "han meimei",
                              "wang fang", "zhang wei", "liu yang", "chen jing", "mallory", "trent"};
const char* const kChinese[] = {"粘包", "拆包", "半包", "消息", "边界", "报头", "字节流", "你好",
                                "世界", "执行成功", "网络", "数据", "发送", "接收", "完整"};

}  // namespace

std::uint64_t Generator::number(std::uint64_t low, std::uint64_t high) {
  if (high < low) std::swap(low, high);
  return low + rng_() % (high - low + 1);
}

std::string Generator::random_bytes(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t x = rng_();
    for (std::size_t k = 0; k < 8 && i + k < n; ++k) out[i + k] = static_cast<char>((x >> (8 * k)) & 0xff);
  }
  return out;
}

std::string Generator::expand(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "{{") == 0 || text.compare(i, 2, "}}") == 0) {
      out += text[i];
      i += 2;
      continue;
    }
    if (text[i] != '{') {
      out += text[i++];
      continue;
    }
    std::size_t end = text.find('}', i);
    if (end == std::string::npos) throw std::invalid_argument(fmt::format("template \"{}\": no closing }}", text));
    std::string inside = text.substr(i + 1, end - i - 1);
    i = end + 1;
    std::vector<std::string> f;
    for (std::size_t at = 0;;) {
      std::size_t colon = inside.find(':', at);
      f.push_back(inside.substr(at, colon == std::string::npos ? std::string::npos : colon - at));
      if (colon == std::string::npos) break;
      at = colon + 1;
    }
    auto arg = [&](std::size_t k) -> std::uint64_t {
      if (k >= f.size() || f[k].empty()) throw std::invalid_argument(fmt::format("template {{{}}}: a number is missing", inside));
      return std::stoull(f[k]);
    };
    const std::string& kind = f[0];
    if (kind == "word") {
      out += kWords[number(0, std::size(kWords) - 1)];
    } else if (kind == "name") {
      out += kNames[number(0, std::size(kNames) - 1)];
    } else if (kind == "int") {
      out += std::to_string(number(arg(1), arg(2)));
    } else if (kind == "text") {  // words and spaces, exactly n bytes
      std::size_t n = number(arg(1), arg(2));
      std::string t;
      while (t.size() < n) t += std::string(kWords[number(0, std::size(kWords) - 1)]) + " ";
      t.resize(n);
      if (n > 0 && t.back() == ' ') t.back() = 'x';  // no trailing space for a line to lose
      out += t;
    } else if (kind == "zh") {
      std::size_t n = number(arg(1), arg(2));
      for (std::size_t k = 0; k < n; ++k) out += kChinese[number(0, std::size(kChinese) - 1)];
    } else if (kind == "chars") {
      static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
      for (std::uint64_t k = 0, n = arg(1); k < n; ++k) out += alphabet[number(0, sizeof alphabet - 2)];
    } else {
      throw std::invalid_argument(fmt::format("template {{{}}}: unknown", inside));
    }
  }
  return out;
}

}  // namespace learn
