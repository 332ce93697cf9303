#include "learn/child.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

namespace learn {

namespace {

// Process groups to stop if sticky-learn is interrupted twice; 0 is a free slot.
std::array<std::atomic<int>, 16> running_groups{};
std::atomic<int> interrupts{0};

void remember(int pid) {
  for (auto& slot : running_groups) {
    int expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return;
  }
}

void forget(int pid) {
  for (auto& slot : running_groups) {
    int expected = pid;
    slot.compare_exchange_strong(expected, 0);
  }
}

void on_interrupt(int) {
  if (interrupts.fetch_add(1) == 0) return;  // the first: the waits notice and unwind
  for (auto& slot : running_groups)
    if (int pid = slot.load(); pid > 0) ::kill(-pid, SIGTERM);  // sticky-check stops its own on SIGTERM
  struct timespec grace{0, 200 * 1000 * 1000};
  ::nanosleep(&grace, nullptr);
  for (auto& slot : running_groups)
    if (int pid = slot.load(); pid > 0) ::kill(-pid, SIGKILL);
  ::_exit(130);
}

int temporary_file() {
  int fd = ::open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {  // a /tmp without O_TMPFILE: create and unlink
    char name[] = "/tmp/sticky-learn-XXXXXX";
    fd = ::mkostemp(name, O_CLOEXEC);
    if (fd >= 0) ::unlink(name);
  }
  if (fd < 0) throw std::runtime_error(fmt::format("cannot create a temporary file: {}", std::strerror(errno)));
  return fd;
}

std::string read_all(int fd) {
  std::string text;
  char buffer[65536];
  off_t at = 0;
  for (;;) {
    ssize_t got = ::pread(fd, buffer, sizeof buffer, at);
    if (got <= 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
    at += got;
  }
  return text;
}

int decode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

bool interrupted() { return interrupts.load() > 0; }

void pause(Millis for_how_long) {
  if (interrupted()) throw Interrupted();
  std::this_thread::sleep_for(for_how_long);
  if (interrupted()) throw Interrupted();
}

Child::Child(const std::vector<std::string>& argv, const std::string& cwd, const std::vector<std::string>& env) {
  if (argv.empty()) throw std::runtime_error("no program to start");
  out_ = temporary_file();
  err_ = temporary_file();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_, 1);
  posix_spawn_file_actions_adddup2(&actions, err_, 2);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, and the signals we ignore or catch back to their defaults.
  sigset_t defaults, none;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int error = ::posix_spawnp(&pid_, argv[0].c_str(), &actions, &attributes, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    ::close(out_);
    ::close(err_);
    throw std::runtime_error(fmt::format("cannot start {}: {}", argv[0], std::strerror(error)));
  }
  remember(pid_);
}

Child::~Child() {
  stop();
  ::close(out_);
  ::close(err_);
}

std::optional<int> Child::wait(Millis timeout) {
  if (status_) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t got = ::waitpid(pid_, &status, WNOHANG);
    if (got == pid_) {
      status_ = decode(status);
      return status_;
    }
    if (got < 0 && errno != EINTR) {
      status_ = 128 + SIGKILL;  // cannot happen for our own child; never wait for ever
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    pause(Millis(2));
  }
}

int Child::stop(Millis grace) {
  if (!group_stopped_) {
    group_stopped_ = true;
    if (!status_) {
      ::kill(-pid_, SIGTERM);
      auto deadline = std::chrono::steady_clock::now() + grace;
      while (!status_ && std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = decode(status);
        else std::this_thread::sleep_for(Millis(2));
      }
    }
    ::kill(-pid_, SIGKILL);  // whatever it left behind in its group: children, a server it forked
    if (!status_) {
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      status_ = decode(status);
    }
    forget(pid_);
  }
  return *status_;
}

std::string Child::out() const { return read_all(out_); }
std::string Child::err() const { return read_all(err_); }

std::size_t Child::output_size() const {
  struct stat a {}, b {};
  ::fstat(out_, &a);
  ::fstat(err_, &b);
  return static_cast<std::size_t>(a.st_size + b.st_size);
}

std::string last_line(const std::string& text, std::size_t max) {
  std::size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return {};
  std::size_t begin = text.rfind('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  std::string line = text.substr(begin, end + 1 - begin);
  if (line.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80) --cut;  // a whole character
    line = line.substr(0, cut) + "…";
  }
  return line;
}

}  // namespace learn
