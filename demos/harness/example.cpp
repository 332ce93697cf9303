// The smallest whole demo, compiled with every build so that it cannot rot: README's "Adding
// a demo" points here. A real demo is demos/NN-name.cpp with this shape and a main():
//
//   int main(int argc, char** argv) { return harness::example_main(argc, argv); }
//
// The server reads late; the client sends "hello" and "world" in two send() calls; the one
// recv() gets both (粘包). Everything said and every call made lands in the trace (--json).
#include "harness/example.hpp"

#include <chrono>
#include <thread>

#include "harness/demo.hpp"

namespace harness {

namespace {

struct TwoSendsOneRecv : StreamScenario {
  std::string got;
  void serve(Demo& demo, Conn& conn) override {
    demo.step(tr("Two send() calls, one late recv()"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // read late: both have arrived
    got = conn.recv(1024);
  }
  void client(Demo& demo, const sticky::Address& server) override {
    auto conn = demo.connect(server);
    conn.send("hello");
    conn.send("world");
    conn.shutdown_write();
    conn.recv(1);  // until the server closes: its recv() is over
  }
  void both(Demo& demo) override {
    StreamScenario::both(demo);
    // What the demo concludes comes from what its recv() returned, never from a constant.
    demo.result(got == "helloworld", {{"first_recv", got}}, tr("one recv() returned {} bytes", got.size()));
  }
};

}  // namespace

int example_main(int argc, char** argv) {
  Demo demo(99, "example", "Two sends, one recv (the template for a new demo)");
  TwoSendsOneRecv scenario;
  return demo.main(argc, argv, scenario);
}

}  // namespace harness
