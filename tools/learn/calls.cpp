#include "learn/calls.hpp"

#include <fstream>
#include <map>

#include "speak/terminal.hpp"
#include "sticky/trace_json.hpp"

namespace learn {

using speak::tr;

namespace {

bool ends_with_port(const std::string& address, std::uint16_t port) {
  std::string tail = ":" + std::to_string(port);
  return address.size() > tail.size() && address.compare(address.size() - tail.size(), tail.size(), tail) == 0;
}

// The calls on the server's end of the connection from our `client_port`, in order.
std::vector<const sticky::TraceEvent*> server_calls(const std::vector<sticky::TraceEvent>& trace, std::uint16_t client_port) {
  std::optional<int> conn;
  std::optional<long> pid;
  std::vector<const sticky::TraceEvent*> out;
  for (const auto& e : trace) {
    if (!conn) {
      if (e.op == sticky::Op::accept && ends_with_port(e.peer, client_port)) {
        conn = e.conn;
        pid = e.pid;
      }
      continue;
    }
    if (e.conn == conn && e.pid == pid && (e.op == sticky::Op::send || e.op == sticky::Op::recv)) out.push_back(&e);
  }
  return out;
}

bool failed(const sticky::TraceEvent& e) { return !e.error_name.empty(); }

std::string call_name(const sticky::TraceEvent& e) {
  return e.function.empty() ? std::string(e.op == sticky::Op::send ? "send" : "recv") : e.function;
}

}  // namespace

std::vector<sticky::TraceEvent> read_trace_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  try {
    return sticky::read_trace(in);
  } catch (const std::exception&) {
    return {};
  }
}

std::optional<CallFinding> check_one_write(const std::vector<sticky::TraceEvent>& trace, std::uint16_t client_port) {
  // Answers are the runs of sends between the reads of their requests. A send that carries
  // on where a partial send() stopped (sendall's own loop) is no write of its own.
  std::size_t answer = 0;
  std::vector<const sticky::TraceEvent*> writes;
  std::uint64_t still_to_send = 0;
  auto judge = [&]() -> std::optional<CallFinding> {
    if (writes.size() < 2) return std::nullopt;
    std::vector<speak::Text> calls;
    for (const auto* w : writes) calls.push_back(tr("{}() of {}", call_name(*w), speak::byte_count(w->bytes())));
    return CallFinding{"two_writes", answer,
                       tr("answer {} left in {} calls: {}", answer + 1, writes.size(), speak::join(calls, tr(", then ")))};
  };
  bool in_answer = false;
  for (const auto* e : server_calls(trace, client_port)) {
    if (failed(*e)) continue;
    if (e->op == sticky::Op::recv) {
      if (e->bytes() == 0) continue;
      if (in_answer) {
        if (auto f = judge()) return f;
        ++answer;
        writes.clear();
        in_answer = false;
      }
      continue;
    }
    in_answer = true;
    std::uint64_t want = e->want.value_or(e->bytes());
    bool continues = still_to_send > 0 && want == still_to_send;
    if (!continues) writes.push_back(e);
    still_to_send = e->bytes() < want ? want - e->bytes() : 0;
  }
  return judge();
}

std::optional<CallFinding> check_one_round_trip(const std::vector<sticky::TraceEvent>& trace, std::uint16_t client_port,
                                                const std::vector<std::uint64_t>& answer_sizes) {
  std::vector<std::uint64_t> ends;  // where each answer ends in the server's output stream
  std::uint64_t at = 0;
  for (auto size : answer_sizes) ends.push_back(at += size);
  std::uint64_t sent = 0;
  for (const auto* e : server_calls(trace, client_port)) {
    if (failed(*e)) continue;
    if (e->op == sticky::Op::send) {
      sent += e->bytes();
      continue;
    }
    // A read while an answer is half sent: the program waits for its client mid-answer.
    std::size_t k = 0;
    while (k < ends.size() && ends[k] <= sent) ++k;
    std::uint64_t begin = k == 0 ? 0 : ends[k - 1];
    if (sent > begin && (k == ends.size() || sent < ends[k]))
      return CallFinding{"extra_round_trip", k,
                         tr("after sending {} of answer {} the program called {}() and waited for its client",
                            speak::byte_count(sent - begin), k + 1, call_name(*e))};
  }
  return std::nullopt;
}

std::optional<CallFinding> check_every_byte(const std::vector<sticky::TraceEvent>& trace, std::uint64_t total) {
  std::optional<int> conn;
  std::optional<long> pid;
  std::uint64_t sent = 0;
  const sticky::TraceEvent* partial = nullptr;
  for (const auto& e : trace) {
    if (!conn) {
      if (e.op == sticky::Op::connect) {
        conn = e.conn;
        pid = e.pid;
      }
      continue;
    }
    if (e.conn != conn || e.pid != pid || e.op != sticky::Op::send || failed(e)) continue;
    sent += e.bytes();
    if (!partial && e.want && e.bytes() < *e.want) partial = &e;
  }
  if (!partial || sent >= total) return std::nullopt;
  return CallFinding{"partial_send_ignored", 0,
                     tr("{}() was asked to send {} and took {}; the program sent {} of {} in all",
                        call_name(*partial), speak::byte_count(*partial->want), speak::byte_count(partial->bytes()),
                        speak::byte_count(sent), speak::byte_count(total))};
}

std::optional<CallFinding> check_datagram(const std::vector<sticky::TraceEvent>& trace, std::size_t message,
                                          std::uint64_t sent) {
  std::size_t k = 0;
  for (const auto& e : trace) {
    if (e.op != sticky::Op::recv || failed(e)) continue;
    if (k++ != message) continue;
    bool flagged = e.truncated || e.facts.find("\"truncated\":true") != std::string::npos;
    bool filled = e.want && e.bytes() == *e.want && sent > e.bytes();
    if (!flagged && !filled) return std::nullopt;
    std::uint64_t full = e.full_size.value_or(sent);
    return CallFinding{"truncated_datagram", message,
                       tr("{}({}) returned {} of a datagram of {}: the rest is gone", call_name(e), e.want.value_or(0),
                          speak::byte_count(e.bytes()), speak::byte_count(full))};
  }
  return std::nullopt;
}

}  // namespace learn
