#include "recorder.hpp"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "json_line.hpp"
#include "sticky/trace_status.hpp"

#define STICKY_THREAD_LOCAL thread_local __attribute__((tls_model("initial-exec")))

namespace sticky_trace {

namespace {

// ---- our own I/O: raw system calls, so that none of it passes through our wrappers ----

int sys_open(const char* path, int flags, mode_t mode = 0) {
  return static_cast<int>(::syscall(SYS_openat, AT_FDCWD, path, flags, mode));
}
ssize_t sys_read(int fd, void* buffer, std::size_t length) { return ::syscall(SYS_read, fd, buffer, length); }
ssize_t sys_write(int fd, const void* buffer, std::size_t length) { return ::syscall(SYS_write, fd, buffer, length); }
void sys_close(int fd) { ::syscall(SYS_close, fd); }
int sys_gettid() { return static_cast<int>(::syscall(SYS_gettid)); }

// A thread's id never changes, except in a fork child, whose one thread is new: the atfork
// handler clears it there.
thread_local __attribute__((tls_model("initial-exec"))) int cached_tid = 0;
int current_tid() {
  if (cached_tid == 0) cached_tid = sys_gettid();
  return cached_tid;
}

// ---- configuration, read once per program image (after exec the library starts over) ----

constexpr std::size_t kNameSize = 256;
constexpr std::size_t kCmdlineSize = 65536;

// Plain data, zero before the constructor runs: no member initialisers, which would make
// a dynamic initialiser that could run after our constructor and undo it.
struct Config {
  char file[PATH_MAX + 1];
  std::uint64_t max_data;
  char prog[kNameSize];     // --label, or argv[0]'s basename
  char side[kNameSize];     // --label, the script an interpreter runs, or prog
  char label[kNameSize];
  char cmdline[kCmdlineSize];  // /proc/self/cmdline: argv, NUL-separated
  std::size_t cmdline_length;
  bool cmdline_truncated;
};

Config config;
SharedStatus* status = nullptr;

std::atomic<int> init_state{0};  // 0 not started, 1 running, 2 done
STICKY_THREAD_LOCAL bool initialising = false;

void copy_name(char* out, const char* text, std::size_t length) {
  if (length >= kNameSize) length = kNameSize - 1;
  std::memcpy(out, text, length);
  out[length] = '\0';
}

const char* basename_of(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

void read_cmdline() {
  int fd = sys_open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  std::size_t length = 0;
  for (;;) {
    if (length == kCmdlineSize) {
      char probe;
      config.cmdline_truncated = sys_read(fd, &probe, 1) > 0;
      break;
    }
    ssize_t got = sys_read(fd, config.cmdline + length, kCmdlineSize - length);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    length += static_cast<std::size_t>(got);
  }
  sys_close(fd);
  // Keep whole arguments only; the last one is NUL-terminated by the kernel.
  while (length > 0 && config.cmdline[length - 1] != '\0') --length;
  config.cmdline_length = length;
}

// The i-th argument, or null.
const char* argument(std::size_t index) {
  std::size_t position = 0;
  for (std::size_t i = 0; position < config.cmdline_length; ++i) {
    if (i == index) return config.cmdline + position;
    position += std::strlen(config.cmdline + position) + 1;
  }
  return nullptr;
}

// For `python3 server.py` the side is "server.py" (and "-m http.server" gives
// "http.server"): two Python programs in one trace would otherwise both be "python3".
const char* interpreter_script(const char* prog) {
  if (std::strncmp(prog, "python", 6) != 0 && std::strncmp(prog, "pypy", 4) != 0) return nullptr;
  for (std::size_t i = 1;; ++i) {
    const char* arg = argument(i);
    if (!arg) return nullptr;
    if (std::strcmp(arg, "-m") == 0) return argument(i + 1);
    if (std::strcmp(arg, "-c") == 0 || std::strcmp(arg, "-") == 0 || std::strcmp(arg, "--") == 0) return nullptr;
    if (std::strcmp(arg, "-W") == 0 || std::strcmp(arg, "-X") == 0 || std::strcmp(arg, "--check-hash-based-pycs") == 0) {
      ++i;  // options that take a separate value
      continue;
    }
    if (arg[0] == '-') continue;
    return basename_of(arg);
  }
}

void read_configuration() {
  const char* file = std::getenv(kFileVariable);
  if (!file || !*file) file = kDefaultFile;
  // Made absolute now: the program may chdir before its first socket call.
  std::size_t length = 0;
  if (file[0] != '/') {
    if (::syscall(SYS_getcwd, config.file, sizeof config.file) > 0) {
      length = std::strlen(config.file);
      if (length > 0 && config.file[length - 1] != '/' && length < PATH_MAX) config.file[length++] = '/';
    }
  }
  std::size_t rest = std::strlen(file);
  if (length + rest > PATH_MAX) rest = PATH_MAX - length;
  std::memcpy(config.file + length, file, rest);
  config.file[length + rest] = '\0';

  config.max_data = kDefaultMaxData;
  if (const char* text = std::getenv(kMaxDataVariable); text && *text) {
    char* end = nullptr;
    unsigned long long value = std::strtoull(text, &end, 10);
    if (end && *end == '\0') config.max_data = value > (1ull << 30) ? (1ull << 30) : value;
  }

  read_cmdline();
  const char* label = std::getenv(kLabelVariable);
  if (label && *label) {
    copy_name(config.label, label, std::strlen(label));
    copy_name(config.prog, label, std::strlen(label));
    copy_name(config.side, label, std::strlen(label));
    return;
  }
  const char* argv0 = config.cmdline_length ? config.cmdline : "";
  const char* prog = basename_of(argv0);
  if (!*prog) prog = "?";
  copy_name(config.prog, prog, std::strlen(prog));
  const char* script = interpreter_script(config.prog);
  const char* side = script && *script ? script : config.prog;
  copy_name(config.side, side, std::strlen(side));
}

void map_status() {
  const char* path = std::getenv(kStatusVariable);
  if (!path || !*path) return;
  int fd = sys_open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  void* memory = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  sys_close(fd);
  if (memory != MAP_FAILED) status = static_cast<SharedStatus*>(memory);
}

// ---- line buffers: the stack for ordinary lines, a per-thread mapping for large data ----

struct BufferHeader {
  std::size_t size;  // of the whole mapping
};

STICKY_THREAD_LOCAL char* thread_buffer = nullptr;  // points just past its BufferHeader
STICKY_THREAD_LOCAL std::size_t thread_capacity = 0;
STICKY_THREAD_LOCAL int depth = 0;  // > 1: a signal handler recording inside our own record()

pthread_key_t buffer_key;
bool have_buffer_key = false;

char* map_buffer(std::size_t capacity) {
  std::size_t size = (capacity + sizeof(BufferHeader) + 4095) & ~std::size_t{4095};
  void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return nullptr;
  static_cast<BufferHeader*>(memory)->size = size;
  return static_cast<char*>(memory) + sizeof(BufferHeader);
}

void unmap_buffer(void* buffer) {
  if (!buffer) return;
  auto* header = reinterpret_cast<BufferHeader*>(static_cast<char*>(buffer) - sizeof(BufferHeader));
  ::munmap(header, header->size);
}

// A buffer of at least `capacity` bytes. The thread's own, unless a signal handler
// interrupted this thread while it was using it: then a temporary one (`temporary` set).
char* line_buffer(std::size_t capacity, bool& temporary) {
  temporary = depth > 1;
  if (temporary) return map_buffer(capacity);
  if (thread_capacity < capacity) {
    unmap_buffer(thread_buffer);
    thread_buffer = map_buffer(capacity);
    thread_capacity = thread_buffer ? capacity : 0;
    // Freed when the thread ends: a threading server starts one thread per connection.
    if (have_buffer_key) ::pthread_setspecific(buffer_key, thread_buffer);
  }
  return thread_buffer;
}

// ---- the trace file ----

std::atomic<int> trace_fd{-1};
std::atomic<std::uint64_t> trace_inode{0};
std::atomic<std::uint64_t> trace_device{0};

void note_lost(int error) {
  if (!status) return;
  status->lost.fetch_add(1, std::memory_order_relaxed);
  int none = 0;
  status->first_error.compare_exchange_strong(none, error ? error : EIO, std::memory_order_relaxed);
}

// The fd number to keep the trace file on: high, out of the way of programs that expect
// the lowest free numbers, but under the fd limit.
int high_fd_number() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 1000;
  if (limit.rlim_cur > 1100) return 1000;
  return static_cast<int>(limit.rlim_cur * 3 / 4);
}

// The fd of the trace file, opened (again) if needed; -1 when it cannot be opened.
int usable_trace_fd() {
  int fd = trace_fd.load(std::memory_order_acquire);
  if (fd >= 0) {
    // The program may have closed our fd where we could not see it and reused the number:
    // write only to the file we opened.
    struct stat st;
    if (::fstat(fd, &st) == 0 && st.st_ino == trace_inode.load(std::memory_order_relaxed) &&
        st.st_dev == trace_device.load(std::memory_order_relaxed))
      return fd;
    trace_fd.compare_exchange_strong(fd, -1);  // not ours any more: do not close it
  }
  int opened = sys_open(config.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
  if (opened < 0) {
    note_lost(errno);
    return -1;
  }
  int high = ::fcntl(opened, F_DUPFD_CLOEXEC, high_fd_number());
  if (high >= 0) {
    sys_close(opened);
    opened = high;
  }
  struct stat st;
  if (::fstat(opened, &st) == 0) {
    trace_inode.store(st.st_ino, std::memory_order_relaxed);
    trace_device.store(st.st_dev, std::memory_order_relaxed);
  }
  int expected = -1;
  if (!trace_fd.compare_exchange_strong(expected, opened, std::memory_order_acq_rel)) {
    sys_close(opened);  // another thread opened it first
    return expected;
  }
  return opened;
}

// One line, one write(): O_APPEND makes each write land whole at the end of the file, so
// lines from other threads and processes never interleave with it.
bool write_line(const char* line, std::size_t length) {
  int fd = usable_trace_fd();
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < length) {
    ssize_t wrote = sys_write(fd, line + done, length - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      note_lost(wrote < 0 ? errno : ENOSPC);
      return false;
    }
    done += static_cast<std::size_t>(wrote);
  }
  return true;
}

// Renders with `render` into a stack buffer, or into a larger one when it does not fit.
template <typename Render>
bool emit(std::size_t large_capacity, Render&& render) {
  char small[2048];
  JsonLine line(small, sizeof small);
  render(line);
  if (!line.overflowed()) return write_line(line.data(), line.size());
  bool temporary = false;
  char* big = line_buffer(large_capacity, temporary);
  if (!big) {
    note_lost(ENOMEM);
    return false;
  }
  JsonLine large(big, large_capacity);
  render(large);
  bool ok = false;
  if (large.overflowed()) note_lost(E2BIG);  // the capacity estimate was wrong: a bug
  else ok = write_line(large.data(), large.size());
  if (temporary) unmap_buffer(big);
  return ok;
}

// ---- one process: the pid, the event numbers, the meta line ----

std::atomic<int> process_pid{0};    // the process the numbering below belongs to
std::atomic<int> meta_done_pid{0};  // the process whose meta line has been written
std::atomic<std::uint64_t> next_seq{0};

void common_fields(JsonLine& line, std::uint64_t seq) {
  line.number("seq", static_cast<std::int64_t>(seq));
}

void write_meta(int pid, std::int64_t now) {
  std::uint64_t seq = next_seq.fetch_add(1, std::memory_order_relaxed) + 1;
  int tid = current_tid();
  int ppid = ::getppid();
  static char exe[PATH_MAX];
  ssize_t exe_length = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (exe_length < 0) exe_length = 0;
  std::size_t capacity = 4096 + JsonLine::escaped_size(config.cmdline_length) +
                         JsonLine::escaped_size(static_cast<std::size_t>(exe_length));
  bool ok = emit(capacity, [&](JsonLine& line) {
    line.begin_object();
    common_fields(line, seq);
    line.number("t_us", now);
    line.string("side", config.side);
    line.string("op", "meta");
    line.number("format", 1);
    line.string("program", exe, static_cast<std::size_t>(exe_length));
    line.string("prog", config.prog);
    if (config.label[0]) line.string("label", config.label);
    line.number("pid", pid);
    line.number("ppid", ppid);
    line.number("tid", tid);
    line.key_array("argv");
    for (std::size_t position = 0; position < config.cmdline_length;) {
      std::size_t length = std::strlen(config.cmdline + position);
      line.array_string(config.cmdline + position, length);
      position += length + 1;
    }
    line.end_array();
    if (config.cmdline_truncated) line.boolean("argv_truncated", true);
    line.number("max_data", static_cast<std::int64_t>(config.max_data));
    line.end_line();
  });
  if (ok && status) status->processes.fetch_add(1, std::memory_order_relaxed);
}

// Makes sure this process's first line is its meta line (stamped with the time its first
// event began, so that it sorts first by t_us too). A forked child (same memory,
// new pid) starts its own numbering and writes its own meta line.
void begin_process(int pid, std::int64_t first_event_us) {
  int known = process_pid.load(std::memory_order_acquire);
  if (known != pid && process_pid.compare_exchange_strong(known, pid, std::memory_order_acq_rel)) {
    next_seq.store(0, std::memory_order_relaxed);
    write_meta(pid, first_event_us);
    meta_done_pid.store(pid, std::memory_order_release);
    return;
  }
  // Another thread is writing the meta line; wait for it briefly (never when a signal
  // handler interrupted our own recording: that thread cannot finish until we return).
  if (depth > 1) return;
  for (int i = 0; i < 10000 && meta_done_pid.load(std::memory_order_acquire) != pid; ++i) ::sched_yield();
}

void write_flags(JsonLine& line, int flags) {
  static const struct {
    int bit;
    const char* name;
  } kFlags[] = {{MSG_OOB, "MSG_OOB"},         {MSG_PEEK, "MSG_PEEK"},         {MSG_DONTROUTE, "MSG_DONTROUTE"},
                {MSG_TRUNC, "MSG_TRUNC"},     {MSG_DONTWAIT, "MSG_DONTWAIT"}, {MSG_EOR, "MSG_EOR"},
                {MSG_WAITALL, "MSG_WAITALL"}, {MSG_NOSIGNAL, "MSG_NOSIGNAL"}, {MSG_MORE, "MSG_MORE"},
                {MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"}, {MSG_ZEROCOPY, "MSG_ZEROCOPY"},
                {MSG_FASTOPEN, "MSG_FASTOPEN"}, {MSG_CONFIRM, "MSG_CONFIRM"}, {MSG_ERRQUEUE, "MSG_ERRQUEUE"}};
  char text[256];
  std::size_t length = 0;
  auto append = [&](const char* name) {
    std::size_t n = std::strlen(name);
    if (length + n + 2 >= sizeof text) return;
    if (length) text[length++] = '|';
    std::memcpy(text + length, name, n);
    length += n;
  };
  for (const auto& f : kFlags)
    if (flags & f.bit) {
      append(f.name);
      flags &= ~f.bit;
    }
  if (flags) {
    char number[24];
    number[format_decimal(flags, number)] = '\0';
    append(number);
  }
  line.string("flags", text, length);
}

void errno_name(int error, char* out) {
  const char* name = ::strerrorname_np(error);
  if (name) {
    std::size_t n = std::strlen(name);
    std::memcpy(out, name, n + 1);
    return;
  }
  out[0] = 'E';
  out[1 + format_decimal(error, out + 1)] = '\0';
}

void render(JsonLine& line, const Event& e, std::uint64_t seq, int pid, int tid) {
  bool failed = e.result < 0;
  line.begin_object();
  common_fields(line, seq);
  line.number("t_us", e.stamp_at_end ? e.end_us : e.start_us);
  line.string("side", config.side);
  line.number("conn", e.socket.conn);
  line.string("op", e.op);
  line.string("call", e.call);
  line.number("fd", e.fd);
  if (e.want >= 0) line.number("want", e.want);
  if (e.moves_bytes && !failed) line.number("bytes", e.result);
  if (failed) {
    char name[32];
    errno_name(e.error, name);
    line.string("errno", name);
  }
  if (e.local && *e.local) line.string("local", e.local);
  if (e.peer && *e.peer) line.string("peer", e.peer);
  if (e.flags) write_flags(line, e.flags);
  if (e.how) line.string("how", e.how);
  if (e.backlog >= 0) line.number("backlog", e.backlog);
  if (e.listen_fd >= 0) {
    line.number("listen_fd", e.listen_fd);
    line.number("listen_conn", e.listen_conn);
  }
  line.number("pid", pid);
  line.number("tid", tid);
  line.string("prog", config.prog);
  line.number("dur_us", e.end_us - e.start_us);
  if (e.socket.datagram() || e.truncated) {
    line.key_object("facts");
    if (e.socket.datagram()) line.boolean("datagram", true);
    if (e.truncated) line.boolean("truncated", true);
    line.end_object();
  }
  if (e.moves_bytes && !failed) {
    // What is in the buffer: a datagram read with MSG_TRUNC returns its full length, which
    // may be more than the buffer held.
    std::uint64_t in_buffer = 0;
    for (int i = 0; i < e.iov_count; ++i) in_buffer += e.iov[i].iov_len;
    auto moved = static_cast<std::uint64_t>(e.result);
    if (moved > in_buffer) moved = in_buffer;
    std::uint64_t kept = moved < config.max_data ? moved : config.max_data;
    line.hex("data", e.iov, e.iov_count, kept);
    if (kept < moved) line.number("data_left_out", static_cast<std::int64_t>(moved - kept));
  }
  line.end_line();
}

void free_thread_buffer(void* buffer) { unmap_buffer(buffer); }

// fork() runs this in the child; vfork() and raw clone() do not, which is how a vfork
// child is told apart (see own_process).
std::atomic<int> known_pid{0};
void after_fork_in_child() {
  known_pid.store(::getpid(), std::memory_order_relaxed);
  cached_tid = 0;
}

void initialise() {
  known_pid.store(::getpid(), std::memory_order_relaxed);
  ::pthread_atfork(nullptr, nullptr, after_fork_in_child);
  resolve_real_functions();
  read_configuration();
  map_status();
  have_buffer_key = ::pthread_key_create(&buffer_key, free_thread_buffer) == 0;
}

// Constructors run after the libraries we depend on are initialised; a call that comes
// earlier (another library's constructor) initialises us itself.
__attribute__((constructor)) void on_load() { recorder_ready(); }

}  // namespace

bool recorder_ready() {
  if (init_state.load(std::memory_order_acquire) == 2) return true;
  if (initialising) return false;
  int expected = 0;
  if (init_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    int saved = errno;
    initialising = true;
    initialise();
    initialising = false;
    init_state.store(2, std::memory_order_release);
    errno = saved;
    return true;
  }
  for (int i = 0; i < 100000 && init_state.load(std::memory_order_acquire) != 2; ++i) ::sched_yield();
  return init_state.load(std::memory_order_acquire) == 2;
}

std::int64_t now_us() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

bool own_process() { return ::getpid() == known_pid.load(std::memory_order_relaxed); }

void record(const Event& e) {
  int pid = ::getpid();
  if (pid != known_pid.load(std::memory_order_relaxed)) return;  // a vfork child
  int saved = errno;
  ++depth;
  if (meta_done_pid.load(std::memory_order_acquire) != pid) begin_process(pid, e.start_us);
  std::uint64_t seq = next_seq.fetch_add(1, std::memory_order_relaxed) + 1;
  int tid = current_tid();
  std::uint64_t data = e.moves_bytes && e.result > 0 ? static_cast<std::uint64_t>(e.result) : 0;
  if (data > config.max_data) data = config.max_data;
  std::size_t capacity = 4096 + 2 * static_cast<std::size_t>(data) + 2 * JsonLine::escaped_size(kNameSize);
  if (emit(capacity, [&](JsonLine& line) { render(line, e, seq, pid, tid); }) && status)
    status->events.fetch_add(1, std::memory_order_relaxed);
  --depth;
  errno = saved;
}

void release_trace_fd(int fd) {
  int current = trace_fd.load(std::memory_order_acquire);
  if (fd >= 0 && fd == current) trace_fd.compare_exchange_strong(current, -1);
}

void release_trace_fd_range(unsigned first, unsigned last) {
  int current = trace_fd.load(std::memory_order_acquire);
  if (current >= 0 && static_cast<unsigned>(current) >= first && static_cast<unsigned>(current) <= last)
    trace_fd.compare_exchange_strong(current, -1);
}

}  // namespace sticky_trace
