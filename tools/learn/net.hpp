// What the kernel tells about sockets on this machine, read from /proc/net without
// connecting to anything (a connection the program did not expect could upset it).
#pragma once

#include <cstdint>
#include <optional>

namespace learn {

// A port nobody uses on 127.0.0.1 right now (the OS's pick, released again).
std::uint16_t free_port(bool udp = false);
// Whether a TCP socket listens on `port` (udp: a UDP socket is bound to it).
bool listening(std::uint16_t port, bool udp = false);
// Bytes the program has not read yet on its end of our connection: the receive queue of the
// socket whose local port is `server_port` and peer port `client_port`. nullopt: not found.
std::optional<std::uint32_t> unread_bytes(std::uint16_t server_port, std::uint16_t client_port);

}  // namespace learn
