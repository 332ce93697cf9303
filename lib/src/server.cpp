#include "sticky/server.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "sticky/codec.hpp"
#include "sticky/error.hpp"

namespace sticky {

// ---------------------------------------------------------------------------------- handlers

void BaseRequestHandler::run() {
  auto report = [this](std::string_view step) {
    if (server.on_call) server.on_call(step, {});
  };
  report("handler.setup");
  setup();
  try {
    report("handler.handle");
    handle();
  } catch (...) {
    report("handler.finish");
    finish();
    throw;
  }
  report("handler.finish");
  finish();
}

void StreamRequestHandler::setup() {
  if (timeout) {
    set_receive_timeout(connection(), *timeout);
    set_send_timeout(connection(), *timeout);
  }
  if (disable_nagle_algorithm && !client_address.is_unix()) set_nodelay(connection(), true);
}

bool StreamRequestHandler::fill() {
  if (eof_) return false;
  char chunk[16384];
  std::size_t n = recv_some(connection(), chunk, sizeof chunk);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(chunk, n);
  return true;
}

std::string StreamRequestHandler::read_line(std::size_t max) {
  std::size_t scanned = 0;
  for (;;) {
    auto nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos && nl < max) {
      std::string line = buffer_.substr(0, nl + 1);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (buffer_.size() >= max)
      throw FrameError(0, fmt::format("a line longer than {} bytes: refused", max));
    scanned = buffer_.size();
    if (!fill()) {
      std::string rest = std::move(buffer_);
      buffer_.clear();
      return rest;
    }
  }
}

std::string StreamRequestHandler::read_exact(std::size_t n) {
  while (buffer_.size() < n && fill()) {}
  std::string out = buffer_.substr(0, std::min(n, buffer_.size()));
  buffer_.erase(0, out.size());
  return out;
}

std::string StreamRequestHandler::read_some(std::size_t max) {
  if (buffer_.empty() && !fill()) return {};
  std::string out = buffer_.substr(0, std::min(max, buffer_.size()));
  buffer_.erase(0, out.size());
  return out;
}

void StreamRequestHandler::write(std::string_view data) { send_all(connection(), data); }

void DatagramRequestHandler::finish() {
  if (replied_) send_datagram(request.socket, reply_, &client_address);
}

// ------------------------------------------------------------------------------------ server

BaseServer::BaseServer(Address address, HandlerFactory factory)
    : address_(std::move(address)), factory_(std::move(factory)) {}

BaseServer::~BaseServer() = default;

void BaseServer::bind_and_activate() {
  server_bind();
  server_activate();
}

void BaseServer::server_bind() {
  if (::bind(socket_.get(), address_.sockaddr_ptr(), address_.length()) != 0)
    throw_errno("bind", address_.to_string());
  address_ = local_address(socket_.get());
}

void BaseServer::server_close() { socket_.reset(); }

void BaseServer::serve_forever(Millis poll_interval) {
  {
    std::lock_guard lock(mutex_);
    serving_ = true;
  }
  report_call("serve_forever");
  try {
    while (!shutdown_requested_) {
      std::vector<pollfd> fds{{socket_.get(), POLLIN, 0}, {wake_.fd(), POLLIN, 0}};
      for (int fd : wakeup_fds()) fds.push_back({fd, POLLIN, 0});
      int rc = wait_until(fds, Clock::now() + poll_interval);
      if (shutdown_requested_) break;
      if (rc > 0 && (fds[0].revents & POLLIN)) handle_request_noblock();
      service_actions();
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    serving_ = false;
    shutdown_requested_ = false;
    stopped_.notify_all();
    throw;
  }
  std::lock_guard lock(mutex_);
  serving_ = false;
  shutdown_requested_ = false;
  wake_.drain();
  stopped_.notify_all();
}

void BaseServer::shutdown() {
  std::unique_lock lock(mutex_);
  // Set even when serve_forever() has not started yet: it then returns at once (as Python's
  // does), instead of serving for ever after a shutdown() that came too early.
  shutdown_requested_ = true;
  wake_.wake();
  if (!serving_) return;
  stopped_.wait(lock, [this] { return !serving_; });
}

void BaseServer::handle_request() {
  pollfd p{socket_.get(), POLLIN, 0};
  if (wait_until({&p, 1}, deadline_after(timeout)) == 0) {
    report_call("handle_timeout");
    handle_timeout();
    return;
  }
  handle_request_noblock();
}

void BaseServer::handle_request_noblock() {
  report_call("get_request");
  std::optional<std::pair<Request, Address>> got;
  try {
    got = get_request();
  } catch (const SystemError& e) {
    if (e.error() == EMFILE || e.error() == ENFILE || e.error() == ENOBUFS || e.error() == ENOMEM) {
      // Out of descriptors or memory: the client stays queued and poll() would say
      // "readable" again at once. Report it, then give handlers a moment to close some.
      handle_error(address_, std::current_exception());
      pollfd p{wake_.fd(), POLLIN, 0};
      wait_until({&p, 1}, Clock::now() + Millis(100));
    }
    return;  // or the client left before we got to it (ECONNABORTED): nothing to serve
  }
  if (!got) return;
  auto& [request, client] = *got;
  report_call("verify_request", client.to_string());
  if (!verify_request(request, client)) {
    report_call("refused", client.to_string());
    shutdown_request(request);
    return;
  }
  report_call("process_request", concurrency());
  try {
    process_request(request, client);
  } catch (...) {
    handle_error(client, std::current_exception());
    shutdown_request(request);  // whatever process_request did not take over
  }
}

void BaseServer::process_request(Request& request, const Address& client) { run_request(request, client); }

void BaseServer::run_request(Request& request, const Address& client) {
  report_call("finish_request", "make the handler");
  try {
    finish_request(request, client);
  } catch (...) {
    handle_error(client, std::current_exception());
  }
  report_call("shutdown_request");
  shutdown_request(request);
}

void BaseServer::finish_request(Request& request, const Address& client) {
  auto h = factory_(request, client, *this);
  h->run();
}

void BaseServer::handle_error(const Address& client, std::exception_ptr error) {
  std::string what = "unknown error";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  std::fprintf(stderr, "error handling a request from %s: %s\n", client.to_string().c_str(), what.c_str());
}

// ----------------------------------------------------------------------------------- kinds

void BaseServer::open_socket(int type) {
  int fd = ::socket(address_.family(), type | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket", address_.to_string());
  socket_.reset(fd);
}

TCPServer::TCPServer(Address address, HandlerFactory factory, bool bind_and_activate)
    : BaseServer(std::move(address), std::move(factory)) {
  open_socket(SOCK_STREAM);
  // Not the virtual calls: a derived class is not built yet (Python's constructor does call
  // its overrides; C++ cannot).
  if (bind_and_activate) TCPServer::server_bind(), TCPServer::server_activate();
}

void TCPServer::server_bind() {
  if (address_.is_unix()) ::unlink(address_.path().c_str());  // a stale socket file
  else if (allow_reuse_address) set_reuse_address(socket_.get(), true);
  BaseServer::server_bind();
}

void TCPServer::server_activate() {
  if (::listen(socket_.get(), request_queue_size) != 0) throw_errno("listen", address_.to_string());
}

std::optional<std::pair<Request, Address>> TCPServer::get_request() {
  Address client;
  Request r;
  r.connection = accept_connection(socket_.get(), &client);
  return std::make_pair(std::move(r), client);
}

void TCPServer::shutdown_request(Request& request) {
  // Say "no more data" explicitly: close() alone would reset a peer whose bytes we left unread.
  if (request.connection) ::shutdown(request.connection.get(), SHUT_WR);
  close_request(request);
}

void TCPServer::close_request(Request& request) { request.connection.reset(); }

void UnixStreamServer::server_close() {
  TCPServer::server_close();
  ::unlink(address_.path().c_str());
}

UDPServer::UDPServer(Address address, HandlerFactory factory, bool bind_and_activate)
    : BaseServer(std::move(address), std::move(factory)) {
  open_socket(SOCK_DGRAM);
  if (bind_and_activate) UDPServer::server_bind();
}

void UDPServer::server_bind() {
  if (address_.is_unix()) ::unlink(address_.path().c_str());
  else if (allow_reuse_address) set_reuse_address(socket_.get(), true);
  BaseServer::server_bind();
}

std::optional<std::pair<Request, Address>> UDPServer::get_request() {
  auto d = recv_datagram(socket_.get(), max_packet_size, Millis(0));
  if (!d.from) return std::nullopt;
  Request r;
  r.packet = std::move(d.data);
  r.socket = socket_.get();
  return std::make_pair(std::move(r), *d.from);
}

void UnixDatagramServer::server_close() {
  UDPServer::server_close();
  ::unlink(address_.path().c_str());
}

// --------------------------------------------------------------------------------- forking

int fork_or_throw() {
  std::fflush(nullptr);  // or the child would write the parent's buffered output again
  int pid = ::fork();
  if (pid < 0) throw_errno("fork");
  return pid;
}

void exit_child(int status) {
  std::fflush(nullptr);
  ::_exit(status);  // not exit(): the parent's atexit handlers and destructors are not ours
}

void ForkingSupport::adopt_child(int pid) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  std::lock_guard lock(mutex_);
  children_.push_back({pid, Fd(fd)});
  started_.push_back(pid);  // fd -1 on old kernels: reaped on the next poll interval
}

void ForkingSupport::collect_children(bool block) {
  std::lock_guard lock(mutex_);
  for (auto it = children_.begin(); it != children_.end();) {
    int status;
    if (::waitpid(it->pid, &status, WNOHANG) == it->pid) it = children_.erase(it);
    else ++it;
  }
  while (block && children_.size() >= max_children) {
    int status;
    int pid = ::waitpid(-1, &status, 0);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) break;
    std::erase_if(children_, [pid](const Child& c) { return c.pid == pid; });
  }
}

void ForkingSupport::wait_for_children() {
  std::lock_guard lock(mutex_);
  for (auto& c : children_) {
    int status;
    while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {}
  }
  children_.clear();
}

std::vector<int> ForkingSupport::child_fds() const {
  std::lock_guard lock(mutex_);
  std::vector<int> fds;
  for (const auto& c : children_)
    if (c.pidfd) fds.push_back(c.pidfd.get());
  return fds;
}

}  // namespace sticky

namespace sticky {

namespace {
template <template <typename> class Mode>
std::unique_ptr<BaseServer> of_kind(std::string_view kind, Address address, HandlerFactory factory) {
  if (kind == "tcp") return std::make_unique<Mode<TCPServer>>(std::move(address), std::move(factory));
  if (kind == "udp") return std::make_unique<Mode<UDPServer>>(std::move(address), std::move(factory));
  if (kind == "unix") return std::make_unique<Mode<UnixStreamServer>>(std::move(address), std::move(factory));
  if (kind == "unix-dgram") return std::make_unique<Mode<UnixDatagramServer>>(std::move(address), std::move(factory));
  throw std::invalid_argument("unknown server kind '" + std::string(kind) + "': tcp, udp, unix or unix-dgram");
}
template <typename S>
using Sync = S;
}  // namespace

std::unique_ptr<BaseServer> make_server(std::string_view kind, std::string_view mode, Address address,
                                        HandlerFactory factory) {
  if (mode == "sync") return of_kind<Sync>(kind, std::move(address), std::move(factory));
  if (mode == "threading") return of_kind<ThreadingMixIn>(kind, std::move(address), std::move(factory));
  if (mode == "forking") return of_kind<ForkingMixIn>(kind, std::move(address), std::move(factory));
  throw std::invalid_argument("unknown server mode '" + std::string(mode) + "': sync, threading or forking");
}

}  // namespace sticky
