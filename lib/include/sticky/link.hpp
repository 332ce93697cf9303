// A real link on this machine: two network namespaces joined by a veth pair, each sender
// shaped by tbf — what Mininet builds for a classroom, made with `ip` and `tc` from
// iproute2 (each run with its argv, never through a shell) and two ethtool ioctls.
//
//   sticky::Link link(sticky::LinkOptions{.rate = "200kbit"});
//   auto listener = link.listen(sticky::LinkEnd::server, 0);          // 10.0.0.1:port
//   auto client = link.connect(sticky::LinkEnd::client, sticky::local_address(listener.get()));
//   auto server = sticky::accept_connection(listener.get());
//
//      server's namespace                               client's namespace
//   10.0.0.1  to-client  ==== veth, MTU 1500 ====  to-server  10.0.0.2
//             tbf: what the server sends            tbf: what the client sends
//
// The namespaces have no name: they exist while this object (which holds them by file
// descriptor) or a process inside them does, so nothing is left behind when a program
// crashes, is killed, or this process dies — the kernel removes the namespaces and the
// veth pair with them. Nothing is ever added to the system's own namespace: the veth pair
// is made inside the server's namespace and its other end moved to the client's.
//
// Who may: root (CAP_SYS_ADMIN) makes the namespaces directly. Anyone else gets them inside
// a user namespace of their own, where the kernel allows one (as `unshare -rn` does); there
// the programs run as root of that user namespace, which is the user's own uid outside.
// Where neither works, the constructor throws LinkUnavailable saying which step failed.
//
// Sockets: a socket belongs to the namespace it was made in, for good; socket() makes one
// inside an end's namespace (in a short-lived child process) and hands it back, so a
// program with threads — a demo — uses it like any other socket.
#pragma once

#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sticky/socket.hpp"

namespace sticky {

enum class LinkEnd { server, client };

struct LinkOptions {
  int mtu = 1500;
  std::string rate = "20mbit";  // tc's syntax: 20mbit, 200kbit, 1gbit ...
  std::string burst;            // tbf bucket, tc's syntax; "" = one full frame (MTU + 14 bytes)
  std::string queue = "50ms";   // tbf's queue: a time (latency 50ms) or bytes (limit 30000)
  bool shape_server = true;     // tbf on what the server sends
  bool shape_client = true;     // tbf on what the client sends
  // Segmentation offload (TSO, GSO) off on both ends: every packet on the veth is at most
  // one MTU, as on a wire. On, the kernel passes 64 KiB "super-packets" through the veth.
  bool segmentation_offload = false;
  std::optional<bool> gro;      // generic receive offload on both ends; nullopt: as the kernel has it
};

// No namespace could be made: not root, and no user namespace allowed (or not even root can).
class LinkUnavailable : public std::runtime_error {
 public:
  enum class Step { network_namespace, user_namespace, user_map };
  LinkUnavailable(Step step, int error, bool root);
  Step step() const noexcept { return step_; }
  int error() const noexcept { return error_; }
  bool root() const noexcept { return root_; }

 private:
  Step step_;
  int error_;
  bool root_;
};

// `ip` or `tc` failed, or is not installed: what() names the command and its first line of
// complaint ("tc qdisc add dev to-client root tbf …: Error: Specified qdisc kind is unknown.").
class LinkSetupError : public std::runtime_error {
 public:
  LinkSetupError(std::string command, std::string complaint, bool missing_program);
  const std::string& command() const noexcept { return command_; }
  bool missing_program() const noexcept { return missing_; }

 private:
  std::string command_;
  bool missing_;
};

class Link {
 public:
  explicit Link(LinkOptions options = {});
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  const LinkOptions& options() const { return options_; }
  bool in_user_namespace() const { return user_ns_ >= 0; }
  static const char* host(LinkEnd end);    // "10.0.0.1" (server) or "10.0.0.2" (client)
  static const char* device(LinkEnd end);  // "to-client" (in the server's namespace) or "to-server"
  // The tbf settings of what `sender` sends, as tc shows them ("rate 20mbit burst 1514b
  // latency 50ms"), or "" when that direction is not shaped.
  std::string shaping(LinkEnd sender) const;

  // Reshapes what `sender` sends (tc qdisc replace); an empty rate removes the shaping.
  void shape(LinkEnd sender, const std::string& rate, const std::string& burst = "",
             const std::string& queue = "50ms");
  // Receive offload (GRO) and segmentation offload (TSO + GSO) of an end's device, read and
  // set with the kernel's ethtool ioctl. set_*() returns false where the device refuses.
  bool set_gro(LinkEnd end, bool on);
  std::optional<bool> gro(LinkEnd end) const;
  bool set_segmentation_offload(LinkEnd end, bool on);
  int mtu(LinkEnd end) const;  // the device's MTU as the kernel has it (SIOCGIFMTU)

  // A socket made inside an end's namespace.
  Fd socket(LinkEnd end, int domain, int type, int protocol = 0);
  // A TCP listener on the end's address (port 0: the kernel picks), and a connection from
  // `from` to `to`.
  Fd listen(LinkEnd end, std::uint16_t port, int backlog = 128);
  Fd connect(LinkEnd from, const Address& to);
  // /proc/net/FILE of an end's namespace ("snmp", "tcp", "udp"), open: lseek to 0 and read
  // again for fresh counters.
  Fd proc_net(LinkEnd end, const char* file);

  // Starts argv (searched in PATH) inside an end's namespace, as a child of this process
  // that dies with it (PR_SET_PDEATHSIG). `env` is its whole environment. Throws
  // SystemError when it cannot be started (ENOENT: no such program).
  pid_t spawn(LinkEnd end, const std::vector<std::string>& argv, const std::vector<std::string>& env);

  // Runs a command inside an end's namespace and waits: LinkSetupError if it fails.
  void run(LinkEnd end, const std::vector<std::string>& argv);

 private:
  int netns(LinkEnd end) const { return end == LinkEnd::server ? server_ns_ : client_ns_; }
  void setup();
  LinkOptions options_;
  int user_ns_ = -1, server_ns_ = -1, client_ns_ = -1;
  std::string shaping_[2];
};

// Counters of one namespace's /proc/net/snmp (fresh on each call).
struct NetCounters {
  std::uint64_t tcp_in_segs = 0;   // Tcp InSegs: packets TCP took in (after GRO merged any)
  std::uint64_t tcp_out_segs = 0;  // Tcp OutSegs
};
NetCounters read_net_counters(int proc_net_snmp_fd);

// A TCP socket listening, or else a UDP socket bound, in the namespace whose /proc/net/tcp
// and /proc/net/udp these are (fds from Link::proc_net): "tcp 10.0.0.1:9005", or nullopt.
std::optional<std::string> first_listener(int proc_net_tcp_fd, int proc_net_udp_fd);
// TCP connections still open at this end of the namespace: established, or closed by the
// peer and not yet by us (CLOSE_WAIT) — a server still busy with a client.
std::size_t open_connections(int proc_net_tcp_fd);

// TCP_MAXSEG of a connected socket, and what TCP_INFO says shapes it.
struct SegmentSize {
  int maxseg = 0;              // TCP_MAXSEG: the payload of a full segment on this connection
  std::uint32_t snd_mss = 0;   // tcpi_snd_mss
  std::uint32_t rcv_mss = 0;   // tcpi_rcv_mss
  bool timestamps = false;     // TCP timestamp option on: 12 bytes of every header
};
SegmentSize segment_size(int fd);

// Receive-side counts of a TCP connection (TCP_INFO): segments in (counted before any GRO
// merge), of which data segments.
struct ReceiveCounts {
  std::uint32_t segs_in = 0;
  std::uint32_t data_segs_in = 0;
};
ReceiveCounts receive_counts(int fd);

// MTU of a device by name, in the namespace of the socket `fd` (any socket there).
int device_mtu(int fd, const char* device);

}  // namespace sticky
