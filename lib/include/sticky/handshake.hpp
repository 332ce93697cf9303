// The naive protocol of the classic lessons, before they reach struct.pack: the server sends
// the answer's length as ASCII digits, waits for the client's "ready", then sends the body.
//
//   server: send(str(len(res)))   ->   client: n = int(recv(1024))
//   server: recv(1024) == "ready" <-   client: send("ready")
//   server: sendall(res)          ->   client: recv until n bytes
//
// It fixes the desync of demo 03 at the cost of a round trip per answer, and it still
// trusts one recv() to return exactly the digits — which a stream does not promise.
#pragma once

#include <cstdint>
#include <string_view>

namespace sticky {

inline constexpr std::string_view kReady = "ready";

// The length a naive client reads from what one recv() returned. Throws FrameError (offset
// 0) for anything but 1 to 20 ASCII digits whose value is at most `max_length`: junk, a
// sign, an empty read, or a number too large to allocate.
std::uint64_t parse_naive_length(std::string_view digits, std::uint64_t max_length);

}  // namespace sticky
