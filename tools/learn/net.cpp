#include "learn/net.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include "sticky/socket.hpp"

namespace learn {

namespace {

// "0100007F:2328" -> 0x2328
std::optional<std::uint16_t> port_of(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  return static_cast<std::uint16_t>(std::stoul(address.substr(colon + 1), nullptr, 16));
}

// Calls `row(local_port, remote_port, state, rx_queue)` for every socket of the tables;
// stops when it returns true.
template <typename Row>
bool scan(bool udp, Row row) {
  static const char* const tcp[] = {"/proc/net/tcp", "/proc/net/tcp6"};
  static const char* const udp_tables[] = {"/proc/net/udp", "/proc/net/udp6"};
  for (const char* table : udp ? udp_tables : tcp) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the heading
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues;
      if (!(fields >> slot >> local >> remote >> state >> queues)) continue;
      auto lp = port_of(local), rp = port_of(remote);
      auto colon = queues.find(':');  // tx_queue:rx_queue
      if (!lp || !rp || colon == std::string::npos) continue;
      auto rx = static_cast<std::uint32_t>(std::stoul(queues.substr(colon + 1), nullptr, 16));
      if (row(*lp, *rp, std::stoul(state, nullptr, 16), rx)) return true;
    }
  }
  return false;
}

}  // namespace

std::uint16_t free_port(bool udp) {
  auto any = sticky::Address::parse("127.0.0.1:0");
  sticky::Fd fd = udp ? sticky::bind_datagram(any, false) : sticky::listen_stream(any, 1, false);
  return sticky::local_address(fd.get()).port();
}

bool listening(std::uint16_t port, bool udp) {
  constexpr unsigned long kListen = 0x0a, kUnconnected = 0x07;
  return scan(udp, [&](std::uint16_t local, std::uint16_t, unsigned long state, std::uint32_t) {
    return local == port && state == (udp ? kUnconnected : kListen);
  });
}

std::optional<std::uint32_t> unread_bytes(std::uint16_t server_port, std::uint16_t client_port) {
  std::optional<std::uint32_t> found;
  scan(false, [&](std::uint16_t local, std::uint16_t remote, unsigned long, std::uint32_t rx) {
    if (local != server_port || remote != client_port) return false;
    found = rx;
    return true;
  });
  return found;
}

}  // namespace learn
