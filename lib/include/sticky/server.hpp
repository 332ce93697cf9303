// A C++ counterpart of Python's socketserver: the same classes, hooks and call flow, so a
// student who learned it in Python finds the same shape here.
//
// The design space has three axes, as in Python:
//   address family × socket type        TCPServer, UDPServer, UnixStreamServer, UnixDatagramServer
//   how many requests at once            synchronous (the base), ThreadingMixIn<S>, ForkingMixIn<S>
//   what to do with one request          a handler: setup(), handle(), finish()
//
//   BaseServer ─┬─ TCPServer ── UnixStreamServer          ThreadingMixIn<S> : S
//               └─ UDPServer ── UnixDatagramServer        ForkingMixIn<S>   : S
//
//   BaseRequestHandler ─┬─ StreamRequestHandler   (read_line / read_exact / write)
//                       └─ DatagramRequestHandler (packet() / reply())
//
// The call flow of one request (demo 09 prints it live with --trace-calls):
//   serve_forever → get_request → verify_request → process_request
//     → [new thread | new process] → finish_request → handler setup / handle / finish
//     → shutdown_request → close_request
//
// Example — an upper-casing TCP server, one thread per client:
//   struct Upper : sticky::StreamRequestHandler {
//     using StreamRequestHandler::StreamRequestHandler;
//     void handle() override { while (auto data = read_some(1024); !data.empty()) write(upper(data)); }
//   };
//   sticky::ThreadingTCPServer server(sticky::Address::parse("127.0.0.1:9009"), sticky::handler<Upper>());
//   server.serve_forever();   // another thread may call server.shutdown()
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sticky/io.hpp"
#include "sticky/socket.hpp"
#include "sticky/wait.hpp"

namespace sticky {

class BaseServer;

// One request: a connection (stream servers) or one datagram and the socket to answer on.
struct Request {
  Fd connection;       // stream servers: the accepted socket
  std::string packet;  // datagram servers: the datagram
  int socket = -1;     // datagram servers: the server's socket (not owned)
};

// A handler is made for each request and run once: setup(), handle(), finish().
// Override handle() (and setup()/finish() when you need them); finish() runs even when
// handle() throws. Members `request`, `client_address` and `server` are for your hooks.
class BaseRequestHandler {
 public:
  BaseRequestHandler(Request& request, const Address& client_address, BaseServer& server)
      : request(request), client_address(client_address), server(server) {}
  virtual ~BaseRequestHandler() = default;

  virtual void setup() {}
  virtual void handle() {}
  virtual void finish() {}
  void run();  // for the server: setup, handle, finish

 protected:
  Request& request;
  Address client_address;
  BaseServer& server;
};

using HandlerFactory =
    std::function<std::unique_ptr<BaseRequestHandler>(Request&, const Address&, BaseServer&)>;

// handler<MyHandler>() makes a factory for a handler class with the base's constructor.
template <typename H>
HandlerFactory handler() {
  return [](Request& r, const Address& a, BaseServer& s) { return std::make_unique<H>(r, a, s); };
}

// A handler for stream connections, with a buffered reader and a writer.
class StreamRequestHandler : public BaseRequestHandler {
 public:
  using BaseRequestHandler::BaseRequestHandler;
  // Hook settings, set them in your constructor or setup().
  std::optional<Millis> timeout;          // each read and write; a silent client is closed
  bool disable_nagle_algorithm = false;   // TCP_NODELAY on the connection

  void setup() override;

 protected:
  int connection() const { return request.connection.get(); }
  // A line up to and including "\n"; at end of stream what is left ("" = closed).
  // FrameError if `max` bytes come without a newline: a line that never ends is refused.
  std::string read_line(std::size_t max = 65536);
  // Exactly n bytes, or fewer at end of stream.
  std::string read_exact(std::size_t n);
  // What one recv() returns (after any buffered bytes); "" = closed.
  std::string read_some(std::size_t max);
  void write(std::string_view data);  // every byte (send_all)

 private:
  std::string buffer_;
  bool eof_ = false;
  bool fill();  // one recv into buffer_; false at end of stream
};

// A handler for one datagram: packet() is what came, reply() what goes back in finish().
class DatagramRequestHandler : public BaseRequestHandler {
 public:
  using BaseRequestHandler::BaseRequestHandler;
  void finish() override;

 protected:
  std::string_view packet() const { return request.packet; }
  void reply(std::string_view data) { reply_.append(data); replied_ = true; }

 private:
  std::string reply_;
  bool replied_ = false;
};

// The loop and the hooks. Methods marked "hook" are for derived classes to override.
class BaseServer {
 public:
  BaseServer(Address address, HandlerFactory factory);
  virtual ~BaseServer();
  BaseServer(const BaseServer&) = delete;
  BaseServer& operator=(const BaseServer&) = delete;

  // ---- for the caller
  // Handles requests until shutdown(). Wakes every poll_interval for service_actions();
  // shutdown() does not wait for it: an eventfd wakes the loop at once (Python polls, and
  // its shutdown waits up to poll_interval).
  void serve_forever(Millis poll_interval = Millis(500));
  // From another thread: stops serve_forever() and returns once it has returned.
  void shutdown();
  // One request, waiting at most `timeout` (then handle_timeout()).
  void handle_request();
  // Closes the listening socket; mix-ins also wait for their threads or children here.
  virtual void server_close();
  Address server_address() const { return address_; }  // the real port after binding port 0
  int fileno() const { return socket_.get(); }

  std::optional<Millis> timeout;  // for handle_request(); none = wait for ever
  // An observer of the call flow (demo 09's --trace-calls): told each hook's name just
  // before the loop calls it, on the thread or in the process that calls it. The hooks
  // themselves know nothing of it, as in Python.
  std::function<void(std::string_view call, std::string_view detail)> on_call;

  // ---- hooks
  virtual void server_bind();
  virtual void server_activate() {}
  virtual std::optional<std::pair<Request, Address>> get_request() = 0;  // nullopt: nothing came after all
  virtual bool verify_request(Request&, const Address&) { return true; }  // false: refused
  // The mix-ins' hook. It takes the request over (a thread moves it away); whatever it
  // leaves in `request` when it throws is shut down by the caller.
  virtual void process_request(Request& request, const Address& client);
  virtual void finish_request(Request& request, const Address& client);   // builds and runs the handler
  virtual void shutdown_request(Request& request) { close_request(request); }
  virtual void close_request(Request&) {}
  // Default: one line on stderr naming the client and the error; serving goes on.
  virtual void handle_error(const Address& client, std::exception_ptr error);
  virtual void handle_timeout() {}
  virtual void service_actions() {}
  // How process_request() handles a request: "in this thread", "start a thread", "fork a
  // child process" — for the call flow's narration.
  virtual std::string_view concurrency() const { return "in this thread"; }

 protected:
  // Bind-and-activate in two steps, as Python's constructor does (bind_and_activate=True).
  void bind_and_activate();
  void open_socket(int type);  // SOCK_STREAM or SOCK_DGRAM, for address_'s family
  // Extra descriptors serve_forever() polls; any becoming readable runs service_actions().
  virtual std::vector<int> wakeup_fds() { return {}; }
  void handle_request_noblock();
  // The call flow: tell the observer, then call the hook.
  void report_call(std::string_view name, std::string_view detail = {}) const {
    if (on_call) on_call(name, detail);
  }
  void run_request(Request& request, const Address& client);  // finish_request, then shutdown_request

  Address address_;
  Fd socket_;
  HandlerFactory factory_;

 private:
  Waker wake_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool serving_ = false;
  std::atomic<bool> shutdown_requested_{false};
};

// TCP: accept() gives each client its own connected socket.
class TCPServer : public BaseServer {
 public:
  // Binds and listens. Unlike Python, allow_reuse_address defaults to true: a demo server
  // restarted in class must not fail with "Address already in use".
  TCPServer(Address address, HandlerFactory factory, bool bind_and_activate = true);
  bool allow_reuse_address = true;
  int request_queue_size = 5;
  void server_bind() override;
  void server_activate() override;
  std::optional<std::pair<Request, Address>> get_request() override;
  void shutdown_request(Request& request) override;  // shutdown(SHUT_WR), then close
  void close_request(Request& request) override;
};

class UnixStreamServer : public TCPServer {
 public:
  UnixStreamServer(Address address, HandlerFactory factory, bool bind_and_activate = true)
      : TCPServer(std::move(address), std::move(factory), bind_and_activate) {}
  void server_close() override;  // and removes the socket file
};

// UDP: every datagram is a request; the reply goes out on the server's own socket.
class UDPServer : public BaseServer {
 public:
  UDPServer(Address address, HandlerFactory factory, bool bind_and_activate = true);
  bool allow_reuse_address = false;
  std::size_t max_packet_size = 8192;
  void server_bind() override;
  std::optional<std::pair<Request, Address>> get_request() override;
};

class UnixDatagramServer : public UDPServer {
 public:
  UnixDatagramServer(Address address, HandlerFactory factory, bool bind_and_activate = true)
      : UDPServer(std::move(address), std::move(factory), bind_and_activate) {}
  void server_close() override;  // and removes the socket file
};

// One thread per request. A finished thread is forgotten at once (CPython kept every thread
// object until server_close and grew without bound: bpo-37193).
template <typename Server>
class ThreadingMixIn : public Server {
 public:
  using Server::Server;
  ~ThreadingMixIn() override { wait_for_threads(); }
  bool daemon_threads = false;  // true: server_close() does not wait for running handlers
  bool block_on_close = true;

  std::string_view concurrency() const override { return "start a thread"; }
  void process_request(Request& request, const Address& client) override {
    {
      std::lock_guard lock(mutex_);
      ++running_;
    }
    try {
      std::thread([this, request = std::move(request), client]() mutable {
        this->run_request(request, client);
        std::lock_guard lock(mutex_);
        if (--running_ == 0) idle_.notify_all();
      }).detach();
    } catch (...) {
      std::lock_guard lock(mutex_);
      --running_;
      throw;
    }
  }

  // Waits for the handlers first, then closes: a datagram handler replies on the server's
  // own socket, which must outlive it (Python closes first; TSan caught that order here).
  void server_close() override {
    if (block_on_close && !daemon_threads) wait_for_threads();
    Server::server_close();
  }

  std::size_t running_threads() {
    std::lock_guard lock(mutex_);
    return running_;
  }

 private:
  void wait_for_threads() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return running_ == 0; });
  }
  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t running_ = 0;
};

// One process per request (fork). Children are reaped as they exit — a pidfd per child
// wakes serve_forever() — so none lingers as a zombie; at most max_children run at once.
class ForkingSupport {
 public:
  std::size_t max_children = 40;
  bool block_on_close = true;
  std::size_t active_children() const {  // from any thread
    std::lock_guard lock(mutex_);
    return children_.size();
  }
  std::vector<int> started_children() const {  // every child ever forked, in order
    std::lock_guard lock(mutex_);
    return started_;
  }

 protected:
  // In the parent after fork(): remember the child.
  void adopt_child(int pid);
  // Reaps finished children; with `block`, waits until fewer than max_children remain.
  void collect_children(bool block);
  void wait_for_children();
  std::vector<int> child_fds() const;

 private:
  struct Child {
    int pid;
    Fd pidfd;
  };
  mutable std::mutex mutex_;  // children_ is read by callers on other threads
  std::vector<Child> children_;
  std::vector<int> started_;
};

template <typename Server>
class ForkingMixIn : public Server, public ForkingSupport {
 public:
  using Server::Server;
  ~ForkingMixIn() override { wait_for_children(); }

  std::string_view concurrency() const override { return "fork a child process"; }
  void process_request(Request& request, const Address& client) override {
    collect_children(/*block=*/true);
    int pid = fork_child();
    if (pid == 0) {  // the child: handle, then leave without running the parent's cleanup
      this->run_request(request, client);
      flush_and_exit(0);
    }
    adopt_child(pid);
    this->close_request(request);  // the parent's copy of the connection
  }

  void service_actions() override {
    Server::service_actions();
    collect_children(false);
  }

  void server_close() override {
    Server::server_close();
    if (block_on_close) wait_for_children();
  }

 protected:
  std::vector<int> wakeup_fds() override { return child_fds(); }

 private:
  static int fork_child();
  [[noreturn]] static void flush_and_exit(int status);
};

int fork_or_throw();
[[noreturn]] void exit_child(int status);
template <typename Server>
int ForkingMixIn<Server>::fork_child() { return fork_or_throw(); }
template <typename Server>
void ForkingMixIn<Server>::flush_and_exit(int status) { exit_child(status); }

// "tcp" | "udp" | "unix" | "unix-dgram" × "sync" | "threading" | "forking", for programs
// that pick the combination at run time (demo 09). std::invalid_argument for other names.
std::unique_ptr<BaseServer> make_server(std::string_view kind, std::string_view mode, Address address,
                                        HandlerFactory factory);

using ThreadingTCPServer = ThreadingMixIn<TCPServer>;
using ForkingTCPServer = ForkingMixIn<TCPServer>;
using ThreadingUDPServer = ThreadingMixIn<UDPServer>;
using ForkingUDPServer = ForkingMixIn<UDPServer>;
using ThreadingUnixStreamServer = ThreadingMixIn<UnixStreamServer>;
using ForkingUnixStreamServer = ForkingMixIn<UnixStreamServer>;
using ThreadingUnixDatagramServer = ThreadingMixIn<UnixDatagramServer>;
using ForkingUnixDatagramServer = ForkingMixIn<UnixDatagramServer>;

}  // namespace sticky
