#include "support.hpp"

#include <cctype>

#include <algorithm>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace test {

std::string binary(std::string_view name) {
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  return (self.parent_path() / name).string();
}

std::filesystem::path source_root() {
  namespace fs = std::filesystem;
  if (fs::exists(fs::current_path() / "demos") && fs::exists(fs::current_path() / "Makefile")) return fs::current_path();
  for (auto dir = fs::read_symlink("/proc/self/exe").parent_path(); dir != dir.parent_path(); dir = dir.parent_path())
    if (fs::exists(dir / "demos") && fs::exists(dir / "Makefile")) return dir;
  return fs::current_path();
}

namespace {
// The stems of folder/*.cpp whose names match `keep`, sorted.
std::vector<std::string> stems(const char* folder, bool (*keep)(const std::string&)) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(source_root() / folder)) {
    auto name = entry.path().stem().string();
    if (entry.path().extension() == ".cpp" && keep(name)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

std::vector<std::string> demos() {
  return stems("demos", [](const std::string& n) {
    return n.size() > 3 && std::isdigit(static_cast<unsigned char>(n[0])) &&
           std::isdigit(static_cast<unsigned char>(n[1])) && n[2] == '-';
  });
}

std::vector<std::string> tools() {
  return stems("tools", [](const std::string&) { return true; });
}

namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

int spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
          int& in, int& out, int* err) {
  int in_pipe[2], out_pipe[2], err_pipe[2] = {-1, -1};
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) || (err && ::pipe2(err_pipe, O_CLOEXEC)))
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  if (err) posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  else posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);  // background chatter
  auto args = argv;
  auto env = environment(extra_env);
  auto c_args = c_strings(args);
  auto c_env = c_strings(env);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, c_args[0], &actions, nullptr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  if (err) ::close(err_pipe[1]);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  in = in_pipe[1];
  out = out_pipe[0];
  if (err) *err = err_pipe[0];
  return pid;
}

int decode_status(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

Run run(const std::vector<std::string>& argv, std::string_view input, double seconds,
        const std::vector<std::string>& extra_env) {
  ::signal(SIGPIPE, SIG_IGN);
  int in, out, err;
  pid_t pid = spawn(argv, extra_env, in, out, &err);
  ::fcntl(in, F_SETFL, O_NONBLOCK);
  Run result;
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::size_t written = 0;
  if (input.empty()) { ::close(in); in = -1; }
  while (out >= 0 || err >= 0) {
    pollfd fds[3];
    int n = 0;
    if (out >= 0) fds[n++] = {out, POLLIN, 0};
    if (err >= 0) fds[n++] = {err, POLLIN, 0};
    if (in >= 0) fds[n++] = {in, POLLOUT, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) { ::kill(pid, SIGKILL); break; }
    if (::poll(fds, n, static_cast<int>(left)) <= 0) continue;
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == in) {
        ssize_t w = ::write(in, input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if (w < 0 || written == input.size()) { ::close(in); in = -1; }
        continue;
      }
      char buf[65536];
      ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
      std::string& sink = fds[i].fd == out ? result.out : result.err;
      if (r > 0) sink.append(buf, static_cast<std::size_t>(r));
      else {
        ::close(fds[i].fd);
        (fds[i].fd == out ? out : err) = -1;
      }
    }
  }
  for (int fd : {in, out, err}) if (fd >= 0) ::close(fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.status = decode_status(status);
  return result;
}

Process::Process(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env) {
  ::signal(SIGPIPE, SIG_IGN);
  pid_ = spawn(argv, extra_env, in_, out_, nullptr);
}

Process::~Process() {
  if (status_ == -2) {
    ::kill(pid_, SIGKILL);
    wait(5);
  }
  if (in_ >= 0) ::close(in_);
  if (out_ >= 0) ::close(out_);
}

std::string Process::read_line(double seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    auto nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{out_, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return {};
    char buf[4096];
    ssize_t r = ::read(out_, buf, sizeof buf);
    if (r <= 0) return {};
    buffered_.append(buf, static_cast<std::size_t>(r));
  }
}

void Process::write(std::string_view data) {
  while (!data.empty()) {
    ssize_t w = ::write(in_, data.data(), data.size());
    if (w <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(w));
  }
}

void Process::close_stdin() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

void Process::signal(int sig) { ::kill(pid_, sig); }

int Process::wait(double seconds) {
  if (status_ != -2) return status_;
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (Clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    ::usleep(5000);  // polling a child's exit: there is no fd to wait on without pidfd plumbing
  }
  status_ = decode_status(status);
  return status_;
}

}  // namespace test

#include <map>
#include <mutex>
#include <sstream>

namespace test {

const std::string& demo_json(const std::string& demo, const std::vector<std::string>& args) {
  static std::map<std::string, std::string> cache;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::string key = demo;
  for (const auto& a : args) key += " " + a;
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::vector<std::string> argv{binary(demo), "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  Run r = run(argv, {}, 60);
  if (r.status != 0) throw std::runtime_error(demo + " exited " + std::to_string(r.status) + ": " + r.err);
  return cache[key] = r.out;
}

const nlohmann::json& demo_facts(const std::string& demo, const std::vector<std::string>& args) {
  static std::map<std::string, nlohmann::json> cache;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::string key = demo;
  for (const auto& a : args) key += " " + a;
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::istringstream lines(demo_json(demo, args));
  std::string line;
  nlohmann::json last;
  while (std::getline(lines, line)) last = nlohmann::json::parse(line);
  if (last.value("op", "") != "result") throw std::runtime_error(demo + " --json did not end with a result");
  last["facts"]["observed"] = last["observed"];
  return cache[key] = last["facts"];
}

std::string port_of(const std::string& line) {
  const std::string prefix = "listening on 127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) throw std::runtime_error("expected '" + prefix + "PORT', got '" + line + "'");
  return line.substr(prefix.size());
}

}  // namespace test
