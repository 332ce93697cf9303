#include "check/listening.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>

namespace check {

namespace {

struct ListeningSocket {
  std::uint16_t port = 0;
  unsigned long inode = 0;
};

// "  0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000  0 12345 ..."
// local address:port, remote, state (0A = LISTEN), ..., uid, timeout, inode.
std::optional<std::vector<ListeningSocket>> listening_sockets() {
  std::vector<ListeningSocket> out;
  bool readable = false;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::FILE* f = std::fopen(table, "r");
    if (!f) continue;
    readable = true;
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
      char local[128], remote[128];
      unsigned state = 0, port = 0;
      unsigned long inode = 0;
      if (std::sscanf(line, " %*u: %127s %127s %x %*s %*s %*s %*u %*u %lu", local, remote, &state, &inode) != 4) continue;
      const char* colon = std::strrchr(local, ':');
      if (!colon || std::sscanf(colon + 1, "%x", &port) != 1) continue;
      if (state == 0x0A) out.push_back({static_cast<std::uint16_t>(port), inode});
    }
    std::fclose(f);
  }
  if (!readable) return std::nullopt;
  return out;
}

}  // namespace

std::optional<bool> listening(std::uint16_t port) {
  auto sockets = listening_sockets();
  if (!sockets) return std::nullopt;
  return std::any_of(sockets->begin(), sockets->end(), [&](const ListeningSocket& s) { return s.port == port; });
}

bool is_local(const sticky::Address& address) {
  if (address.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address.sockaddr_ptr());
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) return true;
  } else if (address.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address.sockaddr_ptr());
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
  } else {
    return false;
  }
  std::string host = address.host();
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != address.family()) continue;
    socklen_t length = i->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    found = sticky::Address::from(i->ifa_addr, length).host() == host;
  }
  ::freeifaddrs(list);
  return found;
}

std::vector<std::uint16_t> listening_ports(int group) {
  namespace fs = std::filesystem;
  // Processes come and go while /proc is read: every step takes an error code, never throws.
  std::set<unsigned long> inodes;
  std::error_code error;
  for (fs::directory_iterator it("/proc", error), end; !error && it != end; it.increment(error)) {
    std::string pid = it->path().filename().string();
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
    char text[1024] = {};
    std::FILE* stat = std::fopen((it->path() / "stat").c_str(), "r");
    if (!stat) continue;
    std::size_t got = std::fread(text, 1, sizeof text - 1, stat);
    std::fclose(stat);
    text[got] = '\0';
    const char* close = std::strrchr(text, ')');
    char state = 0;
    int ppid = 0, pgrp = 0;
    if (!close || std::sscanf(close + 1, " %c %d %d", &state, &ppid, &pgrp) != 3 || pgrp != group) continue;
    std::error_code ignored;
    for (fs::directory_iterator fd(it->path() / "fd", ignored), none; !ignored && fd != none; fd.increment(ignored)) {
      auto target = fs::read_symlink(fd->path(), ignored).string();
      unsigned long inode = 0;
      if (!ignored && std::sscanf(target.c_str(), "socket:[%lu]", &inode) == 1) inodes.insert(inode);
      ignored.clear();
    }
  }
  std::vector<std::uint16_t> ports;
  if (auto sockets = listening_sockets())
    for (const auto& s : *sockets)
      if (inodes.count(s.inode)) ports.push_back(s.port);
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return ports;
}

}  // namespace check
