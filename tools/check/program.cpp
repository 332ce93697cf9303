#include "check/program.hpp"
#include "speak/text.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace check {

namespace {

// Process groups to kill if sticky-check is interrupted; 0 is a free slot.
std::array<std::atomic<int>, 8> running_groups{};

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
  for (auto& slot : running_groups)
    if (int pid = slot.load(); pid > 0) ::kill(-pid, SIGKILL);
  ::_exit(130);
}

int temporary_file() {
  int fd = ::open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {  // a /tmp without O_TMPFILE support: create and unlink
    char name[] = "/tmp/sticky-check-XXXXXX";
    fd = ::mkostemp(name, O_CLOEXEC);
    if (fd >= 0) ::unlink(name);
  }
  if (fd < 0) throw std::runtime_error(speak::tr("cannot create a temporary file: {}", std::strerror(errno)).english);
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

Program::Program(std::vector<std::string> argv) {
  if (argv.empty()) throw std::runtime_error(speak::tr("no program to start").english);
  out_ = temporary_file();
  err_ = temporary_file();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_, 1);
  posix_spawn_file_actions_adddup2(&actions, err_, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t none, defaults;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);  // sticky-check ignores SIGPIPE; its program should not inherit that
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  auto env = speak::child_environment();  // the user's, not the one gettext was given
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  int rc = ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    ::close(out_);
    ::close(err_);
    throw std::runtime_error(speak::tr("cannot start {}: {}", argv[0], std::strerror(rc)).english);
  }
  pid_ = pid;
  remember(pid_);
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));  // -1 on old kernels: we poll then
}

Program::~Program() {
  if (!status_) stop(Millis(200));
  for (int fd : {pidfd_, out_, err_})
    if (fd >= 0) ::close(fd);
}

std::optional<int> Program::wait_exit(Millis timeout) {
  if (status_) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Look without reaping: while the leader is a zombie its group id cannot be reused, so
    // whatever it started and left behind in its group can still be killed safely.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      forget(pid_);
      status_ = decode(status);
      return status_;
    }
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return std::nullopt;
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left));
    } else {
      ::usleep(2000);
    }
  }
}

int Program::stop(Millis grace) {
  if (status_) return *status_;
  ::kill(-pid_, SIGTERM);
  if (auto status = wait_exit(grace)) return *status;
  ::kill(-pid_, SIGKILL);
  return wait_exit(Millis(5000)).value_or(128 + SIGKILL);
}

std::string Program::out() const { return read_all(out_); }
std::string Program::err() const { return read_all(err_); }

std::size_t Program::output_size() const {
  struct stat a {}, b {};
  ::fstat(out_, &a);
  ::fstat(err_, &b);
  return static_cast<std::size_t>(a.st_size + b.st_size);
}

std::string describe_status(int status) {
  if (status > 128 && status < 128 + 65) {
    const char* name = sigabbrev_np(status - 128);
    return speak::tr("killed by SIG{}", name ? std::string(name) : std::to_string(status - 128)).english;
  }
  return speak::tr("exit status {}", status).english;
}

std::string last_line(const std::string& text, std::size_t max) {
  std::size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return {};
  std::size_t begin = text.rfind('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  std::string line = text.substr(begin, end + 1 - begin);
  if (line.size() > max) line = line.substr(0, max - 3) + "...";
  return line;
}

void stop_programs_on_interrupt() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

std::vector<std::string> command_words(const std::string& command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < command.size() &&
                 (command[i + 1] == '"' || command[i + 1] == '\\')) {
        word += command[++i];
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < command.size()) {
      word += command[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) throw std::invalid_argument(std::string("unclosed ") + quote + " in: " + command);
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) throw std::invalid_argument("no command given");
  return words;
}

}  // namespace check
