#include "learn/workspace.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <fstream>
#include <sstream>

#include "learn/report.hpp"
#include "speak/language.hpp"
#include "speak/terminal.hpp"

namespace learn {

using speak::tr;

fs::path find_workspace(const fs::path& start) {
  std::error_code error;
  fs::path at = fs::absolute(start, error);
  while (!at.empty()) {
    if (fs::exists(at / kProgressFile, error)) return at;
    if (at == at.root_path()) break;
    at = at.parent_path();
  }
  return {};
}

Progress load_progress(const fs::path& workspace) {
  Progress p;
  std::ifstream in(workspace / kProgressFile);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", (workspace / kProgressFile).string()));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}: not JSON: {}", (workspace / kProgressFile).string(), e.what()));
  }
  p.language = j.value("language", std::string());
  const nlohmann::json none = nlohmann::json::object();
  const nlohmann::json& all = j.contains("exercises") && j.at("exercises").is_object() ? j.at("exercises") : none;
  for (auto it = all.begin(); it != all.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& e = it.value();
    Progress::Entry entry;
    entry.done = e.value("done", false);
    entry.ever_passed = e.value("ever_passed", entry.done);
    entry.checks = e.value("checks", 0);
    entry.hints = e.value("hints", 0);
    entry.resets = e.value("resets", 0);
    entry.last_check = e.value("last_check", std::string());
    entry.last_seed = e.value("last_seed", std::uint64_t{0});
    entry.last_status = e.value("last_status", -1);
    p.exercises[name] = entry;
  }
  return p;
}

void save_progress(const fs::path& workspace, const Progress& p) {
  nlohmann::json j;
  j["format"] = 1;
  j["about"] = "sticky-learn's progress: which exercises are done. Safe to keep; delete it to start over.";
  j["language"] = p.language;
  nlohmann::json all = nlohmann::json::object();
  for (const auto& [name, e] : p.exercises)
    all[name] = {{"done", e.done},       {"ever_passed", e.ever_passed}, {"checks", e.checks},
                 {"hints", e.hints},     {"resets", e.resets},           {"last_check", e.last_check},
                 {"last_seed", e.last_seed}, {"last_status", e.last_status}};
  j["exercises"] = all;
  fs::path tmp = workspace / (std::string(kProgressFile) + ".tmp");
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
  }
  fs::rename(tmp, workspace / kProgressFile);
}

namespace {

// Comment lines ("# ...") holding `text` wrapped to fit 88 columns.
std::string comment(const std::string& text) {
  std::string out;
  bool first = true;
  // Paragraphs are separated by "\n\n"; a line of its own stays a line.
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find('\n', at);
    std::string line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (line.empty()) {
      if (!first) out += "#\n";
    } else {
      std::string wrapped = speak::wrap(line, 86, 0);
      std::size_t w = 0;
      for (;;) {
        std::size_t nl = wrapped.find('\n', w);
        out += "# " + wrapped.substr(w, nl == std::string::npos ? std::string::npos : nl - w) + "\n";
        if (nl == std::string::npos) break;
        w = nl + 1;
      }
    }
    first = false;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string starter_text(const Exercise& e, const std::string& file) {
  std::string source = read_file(e.dir / "starter" / file);
  bool chinese = speak::current_language() == speak::Language::chinese;
  std::string header = comment(heading(e).local);
  header += comment(tr("Read first: {}", lesson_path(e, chinese)).local) + "#\n";
  header += comment(e.task.text().local) + "#\n";
  if (e.parts.size() > 1) {
    std::vector<speak::Text> files;
    for (const auto& p : e.parts) files.push_back(speak::same(p.file));
    header += comment(tr("This exercise is {}: both are checked, in that order.", speak::join(files, tr(" and "))).local);
  }
  header += comment(tr("Check it: sticky-learn check {0}     A hint: sticky-learn hint {0}", e.number_text()).local);
  // Comment lines for one language only: "# en| ..." and "# zh| ..." (the TODOs).
  {
    std::string kept, keep = chinese ? "# zh| " : "# en| ", drop = chinese ? "# en| " : "# zh| ";
    std::size_t at = 0;
    while (at < source.size()) {
      std::size_t nl = source.find('\n', at);
      std::string line = source.substr(at, nl == std::string::npos ? std::string::npos : nl + 1 - at);
      std::size_t text = line.find_first_not_of(" \t");
      if (text != std::string::npos && line.compare(text, drop.size(), drop) == 0) {
        // not for this reader
      } else if (text != std::string::npos && line.compare(text, keep.size(), keep) == 0) {
        kept += line.substr(0, text) + "# " + line.substr(text + keep.size());
      } else {
        kept += line;
      }
      if (nl == std::string::npos) break;
      at = nl + 1;
    }
    source = kept;
  }
  const std::string marker = "# @task@\n";
  if (auto at = source.find(marker); at != std::string::npos) source.replace(at, marker.size(), header);
  else source = header + source;
  return source;
}

InitResult init_workspace(const fs::path& ws, const std::vector<Exercise>& exercises) {
  InitResult r;
  fs::create_directories(ws);
  auto write_new = [&](const fs::path& path, const std::string& content) {
    std::string relative = fs::relative(path, ws).string();
    if (fs::exists(path)) {
      r.kept.push_back(relative);
      return;
    }
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
    r.created.push_back(relative);
  };
  for (const auto& e : exercises) {
    for (const auto& p : e.parts) write_new(ws / e.name / p.file, starter_text(e, p.file));
    for (const auto& s : e.support) write_new(ws / e.name / s, read_file(e.dir.parent_path() / "common" / s));
  }
  if (!fs::exists(ws / kProgressFile)) {
    Progress p;
    p.language = speak::current_language() == speak::Language::chinese ? "zh" : "en";
    save_progress(ws, p);
    r.created.push_back(kProgressFile);
  } else {
    r.kept.push_back(kProgressFile);
  }
  return r;
}

std::vector<std::string> reset_exercise(const fs::path& ws, const Exercise& e) {
  std::vector<std::string> kept;
  for (const auto& p : e.parts) {
    fs::path file = ws / e.name / p.file;
    if (fs::exists(file)) {
      fs::path stem = fs::path(p.file).stem(), ext = fs::path(p.file).extension();
      fs::create_directories(ws / e.name / "kept");
      fs::path aside;
      for (int n = 1;; ++n) {
        aside = ws / e.name / "kept" / fmt::format("{}.{}{}", stem.string(), n, ext.string());
        if (!fs::exists(aside)) break;
      }
      fs::rename(file, aside);
      kept.push_back(fs::relative(aside, ws).string());
    }
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << starter_text(e, p.file);
  }
  for (const auto& s : e.support)
    if (!fs::exists(ws / e.name / s)) std::ofstream(ws / e.name / s, std::ios::binary) << read_file(e.dir.parent_path() / "common" / s);
  return kept;
}

const Exercise* next_exercise(const std::vector<Exercise>& all, const Progress& p) {
  for (const auto& e : all) {
    auto it = p.exercises.find(e.name);
    if (it == p.exercises.end() || !it->second.done) return &e;
  }
  return nullptr;
}

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace learn
