// Who listens where, asked of the kernel (/proc/net/tcp) instead of by connecting: a
// connection the program did not expect can upset it (a one-connection server serves the
// probe and exits; a server that speaks first writes to nobody).
//
//   check::listening(9000)            true: some socket on this machine listens on TCP 9000
//   check::listening_ports(pid)       the ports the processes of pid's process group listen on
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sticky/socket.hpp"

namespace check {

// Whether some socket on this machine listens on TCP `port`; nullopt: /proc cannot tell.
std::optional<bool> listening(std::uint16_t port);
// Whether `address` is one this machine can be asked about: 127.0.0.0/8, ::1, or a local
// interface's address (then listening() answers for it).
bool is_local(const sticky::Address& address);
// The TCP ports the processes in process group `group` listen on (a shell and the server
// it started, a forking server's children), lowest first.
std::vector<std::uint16_t> listening_ports(int group);

}  // namespace check
