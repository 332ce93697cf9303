#include "sticky/link.hpp"

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/tcp.h>  // its tcp_info has tcpi_segs_in; glibc's does not
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "sticky/error.hpp"

namespace sticky {

namespace {

const char* step_text(LinkUnavailable::Step step) {
  switch (step) {
    case LinkUnavailable::Step::network_namespace: return "unshare(CLONE_NEWNET)";
    case LinkUnavailable::Step::user_namespace: return "unshare(CLONE_NEWUSER)";
    case LinkUnavailable::Step::user_map: return "writing /proc/self/uid_map";
  }
  return "?";
}

std::string unavailable_text(LinkUnavailable::Step step, int error, bool root) {
  std::string why = std::string(step_text(step)) + ": " + std::strerror(error);
  if (root) return "cannot make a network namespace, even as root (" + why + ")";
  return "cannot make a network namespace: not root, and no user namespace allowed (" + why + ")";
}

// Everything a forked child needs is prepared before fork(): between fork and exec the child
// of a process with threads (a demo) may make only async-signal-safe calls.
struct Argv {
  std::vector<std::string> strings;
  std::vector<char*> pointers;
  explicit Argv(std::vector<std::string> s) : strings(std::move(s)) {
    for (auto& a : strings) pointers.push_back(a.data());
    pointers.push_back(nullptr);
  }
  char* const* get() { return pointers.data(); }
};

std::string command_text(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// In a forked child: enter the namespaces (the user namespace first: it owns the network one).
bool enter(int user_ns, int net_ns) {
  if (user_ns >= 0 && ::setns(user_ns, CLONE_NEWUSER) != 0) return false;
  return ::setns(net_ns, CLONE_NEWNET) == 0;
}

void write_errno_and_exit(int fd) {
  int e = errno;
  [[maybe_unused]] auto n = ::write(fd, &e, sizeof e);
  ::_exit(127);
}

// Sends one fd (or, when fd < 0, the error `error`) over a Unix socket.
void send_fd(int sock, int fd, int error) {
  iovec iov{&error, sizeof error};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  [[maybe_unused]] auto n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
}

// Receives up to `max` fds and one int; returns the fds (the int through `error`).
std::vector<int> receive_fds(int sock, int& error, std::size_t max) {
  error = 0;
  iovec iov{&error, sizeof error};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * max));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n;
  do n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n <= 0) {
    if (error == 0) error = n < 0 ? errno : EPIPE;
    return {};
  }
  std::vector<int> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.push_back(fd);
    }
  }
  return fds;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// A child that does `work` inside the namespaces and sends back one fd, or its errno.
template <typename Work>
Fd fd_from_namespace(int user_ns, int net_ns, Work&& work, const char* call, const std::string& object) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw_errno("socketpair");
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pair[0]);
    ::close(pair[1]);
    throw_errno("fork");
  }
  if (pid == 0) {
    int fd = enter(user_ns, net_ns) ? work() : -1;
    send_fd(pair[1], fd, fd < 0 ? errno : 0);
    ::_exit(0);
  }
  ::close(pair[1]);
  int error = 0;
  auto fds = receive_fds(pair[0], error, 1);
  ::close(pair[0]);
  wait_for(pid);
  if (fds.empty()) throw SystemError(call, object, error ? error : EIO);
  return Fd(fds[0]);
}

// ethtool's get/set of one feature flag, on a socket in the device's namespace.
std::optional<std::uint32_t> ethtool_get(int sock, const char* device, std::uint32_t cmd) {
  ethtool_value value{};
  value.cmd = cmd;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, device, IFNAMSIZ - 1);
  ifr.ifr_data = reinterpret_cast<char*>(&value);
  if (::ioctl(sock, SIOCETHTOOL, &ifr) != 0) return std::nullopt;
  return value.data;
}

bool ethtool_set(int sock, const char* device, std::uint32_t cmd, std::uint32_t data) {
  ethtool_value value{};
  value.cmd = cmd;
  value.data = data;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, device, IFNAMSIZ - 1);
  ifr.ifr_data = reinterpret_cast<char*>(&value);
  return ::ioctl(sock, SIOCETHTOOL, &ifr) == 0;
}

std::string read_all(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) throw_errno("lseek", "/proc/net");
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read", "/proc/net");
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

LinkUnavailable::LinkUnavailable(Step step, int error, bool root)
    : std::runtime_error(unavailable_text(step, error, root)), step_(step), error_(error), root_(root) {}

LinkSetupError::LinkSetupError(std::string command, std::string complaint, bool missing_program)
    : std::runtime_error(command + ": " + complaint), command_(std::move(command)), missing_(missing_program) {}

const char* Link::host(LinkEnd end) { return end == LinkEnd::server ? "10.0.0.1" : "10.0.0.2"; }
const char* Link::device(LinkEnd end) { return end == LinkEnd::server ? "to-client" : "to-server"; }

Link::Link(LinkOptions options) : options_(std::move(options)) {
  // A child makes the namespaces and hands them back by file descriptor: unshare() would
  // move this process itself, and a user namespace cannot be entered by a process with
  // threads.
  bool root = ::geteuid() == 0;
  std::string uid_map = "0 " + std::to_string(::geteuid()) + " 1\n";
  std::string gid_map = "0 " + std::to_string(::getegid()) + " 1\n";
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw_errno("socketpair");
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    // The error travels as step * 4096 + errno; the fds as user (or none), server, client.
    auto fail = [&](LinkUnavailable::Step step) {
      int e = errno;
      send_fd(pair[1], -1, (static_cast<int>(step) + 1) * 4096 + e);
      ::_exit(1);
    };
    auto write_file = [](const char* path, const std::string& text) {
      int fd = ::open(path, O_WRONLY | O_CLOEXEC);
      if (fd < 0) return false;
      bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      ::close(fd);
      return ok;
    };
    bool user = false;
    if (::unshare(CLONE_NEWNET) != 0) {
      int first = errno;
      if (first != EPERM) fail(LinkUnavailable::Step::network_namespace);
      if (::unshare(CLONE_NEWUSER) != 0) fail(LinkUnavailable::Step::user_namespace);
      if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", uid_map) ||
          !write_file("/proc/self/gid_map", gid_map))
        fail(LinkUnavailable::Step::user_map);
      if (::unshare(CLONE_NEWNET) != 0) fail(LinkUnavailable::Step::network_namespace);
      user = true;
    }
    int server = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (::unshare(CLONE_NEWNET) != 0) fail(LinkUnavailable::Step::network_namespace);
    int client = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int fds[3] = {user ? ::open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC) : -1, server, client};
    // All three in one message (the user namespace's first when there is one).
    int count = user ? 3 : 2;
    int* first = user ? fds : fds + 1;
    int none = 0;
    iovec iov{&none, sizeof none};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 3)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * count);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * count);
    std::memcpy(CMSG_DATA(c), first, sizeof(int) * count);
    ::sendmsg(pair[1], &msg, MSG_NOSIGNAL);
    ::_exit(0);
  }
  ::close(pair[1]);
  int code = 0;
  auto fds = receive_fds(pair[0], code, 3);
  ::close(pair[0]);
  wait_for(pid);
  if (code >= 4096) {
    for (int fd : fds) ::close(fd);
    throw LinkUnavailable(static_cast<LinkUnavailable::Step>(code / 4096 - 1), code % 4096, root);
  }
  if (fds.size() == 3) {
    user_ns_ = fds[0];
    server_ns_ = fds[1];
    client_ns_ = fds[2];
  } else if (fds.size() == 2) {
    server_ns_ = fds[0];
    client_ns_ = fds[1];
  } else {
    for (int fd : fds) ::close(fd);
    throw SystemError("recvmsg", "the namespaces", code ? code : EIO);
  }
  try {
    setup();
  } catch (...) {
    for (int fd : {user_ns_, server_ns_, client_ns_})
      if (fd >= 0) ::close(fd);
    throw;
  }
}

Link::~Link() {
  // The last reference to each namespace: the kernel removes them, and the veth pair.
  for (int fd : {user_ns_, server_ns_, client_ns_})
    if (fd >= 0) ::close(fd);
}

void Link::setup() {
  const std::string mtu = std::to_string(options_.mtu);
  for (auto end : {LinkEnd::server, LinkEnd::client}) run(end, {"ip", "link", "set", "lo", "up"});
  // Made in the server's namespace, its other end moved into the client's: ip opens the
  // namespace by path, our descriptor of it (kept open across exec for this one command).
  run(LinkEnd::server, {"ip", "link", "add", device(LinkEnd::server), "mtu", mtu, "type", "veth", "peer", "name",
                        device(LinkEnd::client), "mtu", mtu, "netns", "/proc/self/fd/" + std::to_string(client_ns_)});
  for (auto end : {LinkEnd::server, LinkEnd::client}) {
    run(end, {"ip", "address", "add", std::string(host(end)) + "/24", "dev", device(end)});
    run(end, {"ip", "link", "set", device(end), "up"});
    if (!options_.segmentation_offload) set_segmentation_offload(end, false);
    if (options_.gro) set_gro(end, *options_.gro);
  }
  if (options_.shape_server) shape(LinkEnd::server, options_.rate, options_.burst, options_.queue);
  if (options_.shape_client) shape(LinkEnd::client, options_.rate, options_.burst, options_.queue);
}

std::string Link::shaping(LinkEnd sender) const { return shaping_[sender == LinkEnd::server ? 0 : 1]; }

void Link::shape(LinkEnd sender, const std::string& rate, const std::string& burst, const std::string& queue) {
  auto& current = shaping_[sender == LinkEnd::server ? 0 : 1];
  if (rate.empty()) {
    if (!current.empty()) run(sender, {"tc", "qdisc", "del", "dev", device(sender), "root"});
    current.clear();
    return;
  }
  // One full frame (MTU + 14 bytes of Ethernet header) by default: the bucket lets one
  // packet through at a time, so the rate holds from the first packet on.
  std::string bucket = burst.empty() ? std::to_string(options_.mtu + 14) : burst;
  bool is_time = !queue.empty() && (queue.back() == 's');  // 50ms, 1s, 200us
  std::vector<std::string> argv{"tc", "qdisc", "replace", "dev", device(sender), "root", "tbf", "rate", rate,
                                "burst", bucket, is_time ? "latency" : "limit", queue};
  run(sender, argv);
  current = "rate " + rate + " burst " + bucket + (is_time ? " latency " : " limit ") + queue;
}

bool Link::set_gro(LinkEnd end, bool on) {
  Fd s = socket(end, AF_INET, SOCK_DGRAM);
  return ethtool_set(s.get(), device(end), ETHTOOL_SGRO, on ? 1 : 0) &&
         ethtool_get(s.get(), device(end), ETHTOOL_GGRO) == std::optional<std::uint32_t>(on ? 1 : 0);
}

std::optional<bool> Link::gro(LinkEnd end) const {
  Fd s = const_cast<Link*>(this)->socket(end, AF_INET, SOCK_DGRAM);
  auto v = ethtool_get(s.get(), device(end), ETHTOOL_GGRO);
  if (!v) return std::nullopt;
  return *v != 0;
}

bool Link::set_segmentation_offload(LinkEnd end, bool on) {
  Fd s = socket(end, AF_INET, SOCK_DGRAM);
  bool tso = ethtool_set(s.get(), device(end), ETHTOOL_STSO, on ? 1 : 0);
  bool gso = ethtool_set(s.get(), device(end), ETHTOOL_SGSO, on ? 1 : 0);
  return tso && gso;
}

int Link::mtu(LinkEnd end) const {
  Fd s = const_cast<Link*>(this)->socket(end, AF_INET, SOCK_DGRAM);
  return device_mtu(s.get(), device(end));
}

Fd Link::socket(LinkEnd end, int domain, int type, int protocol) {
  return fd_from_namespace(
      user_ns_, netns(end), [=] { return ::socket(domain, type | SOCK_CLOEXEC, protocol); }, "socket",
      std::string("in the namespace of ") + host(end));
}

Fd Link::listen(LinkEnd end, std::uint16_t port, int backlog) {
  auto where = Address::ip(host(end), port);
  Fd s = socket(end, AF_INET, SOCK_STREAM);
  int on = 1;
  ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(s.get(), where.sockaddr_ptr(), where.length()) != 0) throw_errno("bind", where.to_string());
  if (::listen(s.get(), backlog) != 0) throw_errno("listen", where.to_string());
  return s;
}

Fd Link::connect(LinkEnd from, const Address& to) {
  Fd s = socket(from, to.family(), SOCK_STREAM);
  int r;
  do r = ::connect(s.get(), to.sockaddr_ptr(), to.length());
  while (r != 0 && errno == EINTR);
  if (r != 0) throw_errno("connect", to.to_string());
  return s;
}

Fd Link::proc_net(LinkEnd end, const char* file) {
  std::string path = std::string("/proc/thread-self/net/") + file;
  return fd_from_namespace(
      user_ns_, netns(end), [&path] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }, "open",
      std::string("/proc/net/") + file);
}

pid_t Link::spawn(LinkEnd end, const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  Argv args(argv);
  Argv envp(env);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw_errno("pipe2");
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    ::close(report[0]);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP}) ::signal(s, SIG_DFL);
    if (!enter(user_ns_, netns(end))) write_errno_and_exit(report[1]);
    // Dies with us, even by SIGKILL: a program must not outlive the link it runs on. Set
    // after entering the namespaces (a change of credentials may clear it), and checked:
    // if we died before it was set, the parent is already someone else.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::execvpe(args.get()[0], args.get(), envp.get());
    write_errno_and_exit(report[1]);
  }
  ::close(report[1]);
  int error = 0;
  ssize_t n;
  do n = ::read(report[0], &error, sizeof error);
  while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == sizeof error) {
    wait_for(pid);
    throw SystemError("cannot run", argv.empty() ? "" : argv[0], error);
  }
  return pid;
}

void Link::run(LinkEnd end, const std::vector<std::string>& argv) {
  Argv args(argv);
  int keep = client_ns_;  // ip opens the client's namespace as /proc/self/fd/N
  int err[2], report[2];
  if (::pipe2(err, O_CLOEXEC) != 0) throw_errno("pipe2");
  if (::pipe2(report, O_CLOEXEC) != 0) throw_errno("pipe2");
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    ::close(err[0]);
    ::close(report[0]);
    ::dup2(err[1], 2);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::fcntl(keep, F_SETFD, 0);
    if (!enter(user_ns_, netns(end))) write_errno_and_exit(report[1]);
    ::execvp(args.get()[0], args.get());
    write_errno_and_exit(report[1]);
  }
  ::close(err[1]);
  ::close(report[1]);
  std::string complaint;
  char buf[1024];
  for (;;) {
    ssize_t n = ::read(err[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    complaint.append(buf, static_cast<std::size_t>(n));
  }
  ::close(err[0]);
  int error = 0;
  ssize_t n;
  do n = ::read(report[0], &error, sizeof error);
  while (n < 0 && errno == EINTR);
  ::close(report[0]);
  int status = wait_for(pid);
  std::string command = command_text(argv);
  if (n == sizeof error) {
    bool missing = error == ENOENT;
    throw LinkSetupError(command, missing ? std::string("not found (iproute2 is not installed?)") : std::strerror(error),
                         missing);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    auto line = complaint.substr(0, complaint.find('\n'));
    if (line.empty()) line = "exit status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    throw LinkSetupError(command, line, false);
  }
}

NetCounters read_net_counters(int fd) {
  // Two lines per protocol: the names, then the values.
  std::istringstream lines(read_all(fd));
  std::string names, values;
  NetCounters c;
  while (std::getline(lines, names) && std::getline(lines, values)) {
    if (names.rfind("Tcp:", 0) != 0) continue;
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value) {
      if (name == "InSegs") c.tcp_in_segs = std::stoull(value);
      if (name == "OutSegs") c.tcp_out_segs = std::stoull(value);
    }
  }
  return c;
}

namespace {
// "0100000A:2329" (/proc/net/tcp's little-endian hex) -> "10.0.0.1:9001".
std::string proc_address(const std::string& field) {
  auto colon = field.find(':');
  if (colon != 8) return field;
  auto ip = static_cast<std::uint32_t>(std::stoul(field.substr(0, 8), nullptr, 16));
  auto port = std::stoul(field.substr(9), nullptr, 16);
  return std::to_string(ip & 0xff) + "." + std::to_string((ip >> 8) & 0xff) + "." + std::to_string((ip >> 16) & 0xff) +
         "." + std::to_string(ip >> 24) + ":" + std::to_string(port);
}
}  // namespace

std::optional<std::string> first_listener(int tcp_fd, int udp_fd) {
  // "sl local_address rem_address st ...": st 0A is LISTEN; a UDP socket listed is bound.
  for (int fd : {tcp_fd, udp_fd}) {
    std::istringstream table(read_all(fd));
    std::string line;
    std::getline(table, line);
    while (std::getline(table, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, state;
      if (!(fields >> sl >> local >> remote >> state)) continue;
      if (fd == udp_fd || state == "0A") return (fd == udp_fd ? "udp " : "tcp ") + proc_address(local);
    }
  }
  return std::nullopt;
}

std::size_t open_connections(int tcp_fd) {
  std::istringstream table(read_all(tcp_fd));
  std::string line;
  std::getline(table, line);
  std::size_t n = 0;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string sl, local, remote, state;
    if (fields >> sl >> local >> remote >> state && (state == "01" || state == "03" || state == "08")) ++n;
  }
  return n;
}

SegmentSize segment_size(int fd) {
  SegmentSize s;
  socklen_t len = sizeof s.maxseg;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &s.maxseg, &len) != 0) throw_errno("getsockopt", "TCP_MAXSEG");
  tcp_info info{};
  len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) throw_errno("getsockopt", "TCP_INFO");
  s.snd_mss = info.tcpi_snd_mss;
  s.rcv_mss = info.tcpi_rcv_mss;
  s.timestamps = (info.tcpi_options & TCPI_OPT_TIMESTAMPS) != 0;
  return s;
}

ReceiveCounts receive_counts(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) throw_errno("getsockopt", "TCP_INFO");
  return {info.tcpi_segs_in, info.tcpi_data_segs_in};
}

int device_mtu(int fd, const char* device) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, device, IFNAMSIZ - 1);
  if (::ioctl(fd, SIOCGIFMTU, &ifr) != 0) throw_errno("ioctl SIOCGIFMTU", device);
  return ifr.ifr_mtu;
}

}  // namespace sticky
