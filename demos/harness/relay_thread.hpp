// An in-process relay for a demo: between the demo's client and its server, reshaping the
// stream (1-byte pieces, delay) so a protocol's assumptions can be tested on one machine.
#pragma once

#include <thread>

#include "sticky/relay.hpp"

namespace harness {

class RelayThread {
 public:
  RelayThread(const sticky::Address& target, sticky::Shaping to_server, sticky::Shaping to_client)
      : relay_(options(target, to_server, to_client)), thread_([this] { relay_.run(); }) {}
  ~RelayThread() {
    relay_.stop();
    thread_.join();
  }
  sticky::Address address() const { return relay_.address(); }

 private:
  static sticky::RelayOptions options(const sticky::Address& target, sticky::Shaping up, sticky::Shaping down) {
    sticky::RelayOptions o;
    o.listen = sticky::Address::parse("127.0.0.1:0");
    o.target = target;
    o.to_server = up;
    o.to_client = down;
    return o;
  }
  sticky::Relay relay_;
  std::thread thread_;
};

}  // namespace harness
