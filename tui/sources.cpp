#include "sources.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "speak/text.hpp"
#include "sticky/relay.hpp"
#include "sticky/trace_json.hpp"

extern char** environ;

namespace view {

namespace fs = std::filesystem;

namespace {

fs::path self_dir() { return fs::read_symlink("/proc/self/exe").parent_path(); }

}  // namespace

fs::path find_lessons(const std::string& given) {
  if (!given.empty()) return given;
  // The build tree's lessons, an installed copy (PREFIX/share/doc/sticky/lessons), or ./lessons.
  for (auto p : {self_dir() / "../../lessons", self_dir() / "../share/doc/sticky/lessons", fs::path("lessons")})
    if (fs::is_directory(p)) return p;
  return "lessons";
}

// A demo binary next to ours (build/bin/01-nagle-merge), or where make install puts the
// demos (PREFIX/libexec/sticky/): "1", "01" or "01-nagle-merge".
fs::path find_demo(std::string number) {
  if (number.size() == 1) number = "0" + number;
  for (const auto& dir : {self_dir(), self_dir() / "../libexec/sticky"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      auto name = entry.path().filename().string();
      if (name.size() > 3 && name.starts_with(number.substr(0, 2) + "-") && (number.size() == 2 || name == number))
        return entry.path();
    }
  }
  throw std::invalid_argument("no demo numbered '" + number + "' next to sticky-view");
}

namespace {

using Clock = std::chrono::steady_clock;

// One trace file, or several merged: the traces of a server and its clients, recorded by
// sticky-trace in different processes, ordered by their shared clock. One file is read in
// batches, so a million events never sit in memory twice and the screen draws meanwhile.
class ReplaySource : public Source {
 public:
  explicit ReplaySource(const std::vector<std::string>& files) : files_(files) {
    if (files.size() == 1) {
      if (files[0] != "-") open(file_, files[0]);
      return;
    }
    for (const auto& file : files) {
      std::ifstream in;
      if (file != "-") open(in, file);
      try {
        for (auto& e : sticky::read_trace(file == "-" ? std::cin : in)) merged_.push_back(std::move(e));
      } catch (const std::exception& e) {
        throw std::runtime_error(file + " " + e.what());
      }
    }
    // t_us of a recorded program is CLOCK_MONOTONIC, the same in every process; events with
    // equal times keep their order.
    std::stable_sort(merged_.begin(), merged_.end(), [](auto& a, auto& b) { return a.t_us < b.t_us; });
  }

  std::vector<sticky::TraceEvent> read() override {
    if (files_.size() != 1) {
      done_ = true;
      return std::move(merged_);
    }
    std::istream& in = files_[0] == "-" ? std::cin : file_;
    char chunk[1 << 16];
    std::vector<sticky::TraceEvent> out;
    try {
      for (int i = 0; i < 64 && !done_; ++i) {  // 4 MiB a batch
        in.read(chunk, sizeof chunk);
        if (in.gcount() > 0) reader_.feed(std::string_view(chunk, static_cast<std::size_t>(in.gcount())));
        if (!in) {
          reader_.feed("\n");  // a last line without its newline
          done_ = true;
        }
      }
      out = reader_.take();
    } catch (const std::exception& e) {
      throw std::runtime_error(files_[0] + " " + e.what());
    }
    // Processes sharing one file (sticky-trace) append each line when its call returns; their
    // shared clock puts a send before the recv that got its bytes.
    if (!out.empty() && std::all_of(out.begin(), out.end(), [](auto& e) { return e.pid.has_value(); }))
      std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.t_us < b.t_us; });
    return out;
  }
  bool finished() const override { return done_; }

 private:
  static void open(std::ifstream& in, const std::string& file) {
    in.open(file, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot read " + file);  // a wrong name: usage
  }
  std::vector<std::string> files_;
  std::ifstream file_;
  sticky::TraceLineReader reader_;
  std::vector<sticky::TraceEvent> merged_;
  bool done_ = false;
};

// A trace that is still being written (sticky-trace -o FILE in another terminal): what was
// appended since the last look, every frame.
class FollowSource : public Source {
 public:
  explicit FollowSource(std::string file) : file_(std::move(file)) {}
  ~FollowSource() override {
    if (fd_ >= 0) ::close(fd_);
  }
  std::vector<sticky::TraceEvent> read() override {
    if (fd_ < 0) {
      fd_ = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) {
        status_ = "waiting for " + file_ + " to appear";
        return {};
      }
      status_ = "following " + file_;
    }
    char buf[1 << 16];
    std::vector<sticky::TraceEvent> out;
    try {
      // At most 16 MiB a frame, so a huge file still lets the screen draw and keys work.
      for (int i = 0; i < 256; ++i) {
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) break;
        reader_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      }
      out = reader_.take();
    } catch (const std::exception& e) {
      status_ = file_ + " " + e.what();
    }
    return out;
  }
  bool live() const override { return true; }
  std::string status() const override { return status_; }

 private:
  std::string file_;
  int fd_ = -1;
  sticky::TraceLineReader reader_;
  std::string status_;
};

// Runs a demo with --json and reads its trace as it is written.
class DemoSource : public Source {
 public:
  explicit DemoSource(const fs::path& binary) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);  // nothing outside curses
    std::string path = binary.string(), json = "--json";
    char* argv[] = {path.data(), json.data(), nullptr};
    int rc = ::posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) throw std::runtime_error("cannot start " + path);
    fd_ = out[0];
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~DemoSource() override {
    if (fd_ >= 0) ::close(fd_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::vector<sticky::TraceEvent> read() override {
    std::vector<sticky::TraceEvent> out;
    char buf[65536];
    for (;;) {
      ssize_t n = fd_ >= 0 ? ::read(fd_, buf, sizeof buf) : -1;
      if (n > 0) {
        pending_.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) finish();
      break;
    }
    try {
      reader_.feed(pending_);
      pending_.clear();
      out = reader_.take();
    } catch (const std::exception& e) {
      status_ = "unreadable trace: " + std::string(e.what());
    }
    return out;
  }
  bool live() const override { return fd_ >= 0; }
  std::string status() const override { return status_; }

 private:
  void finish() {
    ::close(fd_);
    fd_ = -1;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) status_ = "the demo failed (run it without the viewer to see why)";
  }
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string pending_;
  sticky::TraceLineReader reader_;
  std::string status_;
};

// The lib relay between a real client and server; its trace arrives from the relay thread.
class ProxySource : public Source {
 public:
  explicit ProxySource(sticky::RelayOptions options) {
    trace_.add_listener([this](const sticky::TraceEvent& e) {
      std::lock_guard lock(mutex_);
      queue_.push_back(e);
    });
    options.trace = &trace_;
    relay_ = std::make_unique<sticky::Relay>(options);
    status_ = fmt::format("listening on {}, relaying to {}", relay_->address().to_string(), options.target.to_string());
    thread_ = std::thread([this] { relay_->run(); });
  }
  ~ProxySource() override {
    relay_->stop();
    thread_.join();
  }
  std::vector<sticky::TraceEvent> read() override {
    std::lock_guard lock(mutex_);
    std::vector<sticky::TraceEvent> out(queue_.begin(), queue_.end());
    queue_.clear();
    return out;
  }
  bool live() const override { return true; }
  std::string status() const override { return status_; }

 private:
  sticky::Trace trace_;
  std::unique_ptr<sticky::Relay> relay_;
  std::thread thread_;
  std::mutex mutex_;
  std::deque<sticky::TraceEvent> queue_;
  std::string status_;
};

}  // namespace

std::unique_ptr<Source> replay_source(const std::vector<std::string>& files) { return std::make_unique<ReplaySource>(files); }
std::unique_ptr<Source> follow_source(std::string file) { return std::make_unique<FollowSource>(std::move(file)); }
std::unique_ptr<Source> demo_source(const fs::path& binary) { return std::make_unique<DemoSource>(binary); }
std::unique_ptr<Source> proxy_source(sticky::RelayOptions options) { return std::make_unique<ProxySource>(std::move(options)); }

}  // namespace view
