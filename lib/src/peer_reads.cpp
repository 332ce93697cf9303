#include "sticky/peer_reads.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

namespace sticky {

namespace {

void copy(const Address& a, __be32* address, __be16& port) {
  if (a.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(a.sockaddr_ptr());
    address[0] = in->sin_addr.s_addr;
    port = in->sin_port;
  } else {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a.sockaddr_ptr());
    std::memcpy(address, &in6->sin6_addr, 16);
    port = in6->sin6_port;
  }
}

}  // namespace

PeerReads::PeerReads(int fd) : fd_(fd) {
  try {
    local_ = local_address(fd);
    peer_ = peer_address(fd);
  } catch (const std::exception&) {
    return;
  }
  if (local_.family() != AF_INET && local_.family() != AF_INET6) return;
  netlink_.reset(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (netlink_ && !unread()) netlink_.reset();
}

std::optional<std::uint32_t> PeerReads::unread(bool* accepted) {
  if (!netlink_) return std::nullopt;
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;
  auto& r = message.request;
  r.sdiag_family = static_cast<std::uint8_t>(local_.family());
  r.sdiag_protocol = IPPROTO_TCP;
  r.idiag_states = ~0u;
  // The socket we ask about is the peer's: its source is our peer, its destination us.
  copy(peer_, r.id.idiag_src, r.id.idiag_sport);
  copy(local_, r.id.idiag_dst, r.id.idiag_dport);
  r.id.idiag_cookie[0] = r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(netlink_.get(), &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
    return std::nullopt;
  alignas(nlmsghdr) char buffer[8192];
  ssize_t got = ::recv(netlink_.get(), buffer, sizeof buffer, 0);
  if (got < static_cast<ssize_t>(sizeof(nlmsghdr))) return std::nullopt;
  auto* reply = reinterpret_cast<nlmsghdr*>(buffer);
  if (!NLMSG_OK(reply, static_cast<unsigned>(got)) || reply->nlmsg_type != SOCK_DIAG_BY_FAMILY) return std::nullopt;
  auto* info = static_cast<inet_diag_msg*>(NLMSG_DATA(reply));
  if (accepted && info->idiag_inode != 0) *accepted = true;
  return info->idiag_rqueue;
}


std::uint32_t PeerReads::unsent() const {
  int n = 0;
  if (::ioctl(fd_, SIOCOUTQNSD, &n) < 0) return 0;
  return static_cast<std::uint32_t>(n);
}

}  // namespace sticky
