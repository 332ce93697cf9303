#include "learn/judge.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <regex>

#include "learn/calls.hpp"
#include "learn/child.hpp"
#include "learn/client_run.hpp"
#include "learn/conversation.hpp"
#include "learn/net.hpp"
#include "speak/terminal.hpp"
#include "sticky/bytes.hpp"
#include "sticky/codec_spec.hpp"

namespace learn {

using speak::Text;
using speak::tr;

namespace {

using Clock = std::chrono::steady_clock;
constexpr Millis kAnswerTimeout{2000};
constexpr Millis kRefuseTimeout{1000};
constexpr Millis kListenLimit{5000};

// ------------------------------------------------------------------------------ words

Text status_text(int status) {
  if (status > 128) {
    int sig = status - 128;
    const char* name = sig == 9 ? "SIGKILL" : sig == 15 ? "SIGTERM" : sig == 11 ? "SIGSEGV" : sig == 2 ? "SIGINT" : "";
    return *name ? tr("signal {} ({})", sig, name) : tr("signal {}", sig);
  }
  return tr("exit status {}", status);
}

Text seconds(Millis ms) { return tr("{} s", fmt::format("{:g}", static_cast<double>(ms.count()) / 1000)); }

std::string hex_spaced(std::string_view bytes, std::size_t max = 8) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i)
    out += fmt::format("{}{:02x}", i ? " " : "", static_cast<unsigned char>(bytes[i]));
  if (bytes.size() > max) out += " …";
  return out;
}

bool printable_ascii(std::string_view bytes) {
  if (bytes.empty()) return false;
  for (unsigned char c : bytes)
    if (!(c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7f))) return false;
  return true;
}

std::string join_words(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    bool plain = !a.empty() && a.find_first_of(" '\"\\$`*?;&|<>()\t\n") == std::string::npos;
    out += (out.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return out;
}

// ------------------------------------------------------------------------------ processes

// The interpreter `python3` names, found once: a version manager's shim (pyenv) runs a few
// shell scripts before Python itself on every start, which a check pays forty times over.
const std::string& python() {
  static const std::string path = [] {
    try {
      Child c({"python3", "-c", "import sys; print(sys.executable)"}, "", speak::child_environment());
      if (auto status = c.wait(Millis(60000)); status && *status == 0) {
        std::string out = c.out();
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        if (!out.empty() && ::access(out.c_str(), X_OK) == 0) return out;
      }
    } catch (const Interrupted&) {
      throw;
    } catch (const std::exception&) {
    }
    return std::string("python3");
  }();
  return path;
}

std::vector<std::string> environment(const fs::path& python_path) {
  std::vector<std::string> env;
  for (auto& e : speak::child_environment())
    if (!e.starts_with("PYTHONPATH=") && !e.starts_with("PYTHONUNBUFFERED=") && !e.starts_with("PYTHONIOENCODING=") &&
        !e.starts_with("PYTHONDONTWRITEBYTECODE="))
      env.push_back(e);
  // Output as it is printed (a program stopped at the limit still shows what it said), in
  // UTF-8 whatever the locale, and no __pycache__ left in the student's folder.
  env.insert(env.end(), {"PYTHONUNBUFFERED=1", "PYTHONIOENCODING=utf-8", "PYTHONDONTWRITEBYTECODE=1"});
  if (!python_path.empty()) env.push_back("PYTHONPATH=" + python_path.string());
  return env;
}

// What the program said, without what sticky-trace said around it (it can warn even with -q).
std::string program_err(const std::string& err) {
  std::string out;
  std::size_t at = 0;
  while (at < err.size()) {
    std::size_t nl = err.find('\n', at);
    std::string line = err.substr(at, nl == std::string::npos ? std::string::npos : nl - at + 1);
    if (line.rfind("sticky-trace: ", 0) != 0) out += line;
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return out;
}

// Why a program ended before it could be talked to: "server.py, line 12: SyntaxError:
// invalid syntax", "ModuleNotFoundError: ...", or its status.
Text ended_early(const std::string& file, int status, const std::string& err, const Text& before) {
  std::string last = last_line(err);
  static const std::regex where(R"re(File "([^"]*)", line (\d+))re");
  bool syntax = last.find("SyntaxError") != std::string::npos || last.find("IndentationError") != std::string::npos ||
                last.find("TabError") != std::string::npos;
  if (syntax) {
    std::string line;
    for (auto it = std::sregex_iterator(err.begin(), err.end(), where); it != std::sregex_iterator(); ++it) line = (*it)[2];
    if (!line.empty()) return tr("{}, line {}: {}", file, line, last);
    return tr("{}: {}", file, last);
  }
  if (last.empty()) return tr("{} ended ({}) {}.", file, status_text(status), before);
  return tr("{} ended ({}) {}: {}", file, status_text(status), before, last);
}

// Waits until the program listens on `port`; why not, when it does not.
std::optional<Text> wait_listening(Child& c, const std::string& file, std::uint16_t port, bool udp,
                                   Millis limit = kListenLimit) {
  auto start = Clock::now();
  for (;;) {
    if (auto status = c.wait(Millis(0)))
      return ended_early(file, *status, program_err(c.err()), tr("before it listened on 127.0.0.1:{}", port));
    if (listening(port, udp)) return std::nullopt;
    if (Clock::now() - start > limit)
      return tr("{} did not listen on 127.0.0.1:{} within {}: does it take its port from sys.argv[1]?", file, port,
                seconds(limit));
    pause(Millis(5));
  }
}

struct ServerRun {
  std::optional<Text> not_started;
  Millis listened{0};  // how long it took to listen, from our wait's start
  Talk talk;
  std::optional<int> ended;  // it ended during the conversation: its status
  std::string err, out;
  std::vector<sticky::TraceEvent> trace;
};

struct TraceFile {
  std::string path;
  TraceFile() {
    char name[] = "/tmp/sticky-learn-trace-XXXXXX";
    int fd = ::mkstemp(name);
    if (fd >= 0) ::close(fd);
    path = name;
  }
  ~TraceFile() { ::unlink(path.c_str()); }
};

// The argv that runs `program` traced into `trace` (sticky-trace), when there is one.
std::vector<std::string> traced(const std::vector<std::string>& program, const TraceFile* trace) {
  if (!trace) return program;
  std::vector<std::string> argv{sibling("sticky-trace"), "-q", "--max-data", "64", "-o", trace->path, "--"};
  argv.insert(argv.end(), program.begin(), program.end());
  return argv;
}

// sticky-trace and its recorder: build/bin + build/lib, or an installed bin + lib/sticky.
bool can_trace() {
  fs::path bin = fs::path(sibling("sticky-trace")).parent_path();
  return ::access(sibling("sticky-trace").c_str(), X_OK) == 0 &&
         (::access((bin / "../lib/libsticky-trace.so").c_str(), R_OK) == 0 ||
          ::access((bin / "../lib/sticky/libsticky-trace.so").c_str(), R_OK) == 0);
}

// A server program started, not yet talked to: the reference's and the student's start
// side by side, so that the wait for Python to start is paid once.
struct Server {
  std::optional<TraceFile> trace;
  std::unique_ptr<Child> child;
  std::uint16_t port = 0;
  std::string name;
  bool udp = false;
};

std::unique_ptr<Server> start_server(const std::vector<std::string>& program, const fs::path& cwd,
                                     const std::vector<std::string>& env, bool udp, bool trace) {
  auto s = std::make_unique<Server>();
  s->udp = udp;
  s->port = free_port(udp);
  s->name = fs::path(program.at(1)).filename().string();
  if (trace) s->trace.emplace();
  std::vector<std::string> argv = program;
  argv.push_back(std::to_string(s->port));
  s->child = std::make_unique<Child>(traced(argv, s->trace ? &*s->trace : nullptr), cwd.string(), env);
  return s;
}

// Talks to it once it listens, then stops it.
ServerRun finish_server(Server& s, const Conversation& c, const sticky::Codec& codec, const TalkOptions& options,
                        Millis listen_limit = kListenLimit) {
  ServerRun r;
  auto waited = Clock::now();
  r.not_started = wait_listening(*s.child, s.name, s.port, s.udp, listen_limit);
  r.listened = std::chrono::duration_cast<Millis>(Clock::now() - waited);
  if (!r.not_started) {
    r.talk = talk(sticky::Address::ip("127.0.0.1", s.port), c, codec, options);
    // A moment for the program to notice we left (its recv() returning b"" is in the trace
    // only once it returns), and to say whether it ended.
    r.ended = s.child->wait(Millis(s.trace ? 150 : 30));
  }
  s.child->stop();
  r.err = program_err(s.child->err());
  r.out = s.child->out();
  if (s.trace) r.trace = read_trace_file(s.trace->path);
  return r;
}

std::uint16_t port_for(bool udp) { return free_port(udp); }

// ------------------------------------------------------------------------------ failures

struct Failure {
  std::string symptom;
  std::string file;
  std::optional<std::size_t> message;  // 0-based, in the part's messages
  bool message_empty = false;
  std::string got;      // the bytes that came instead
  std::string err, out;
  std::vector<std::string> mistakes;  // sticky-check's ids ("one-recv")
  std::vector<Text> mistake_words;
  Text evidence;        // what shows it, said: a trace's calls, the other byte order
};

const Rule* match(const Exercise& e, const Failure& f) {
  for (const auto& r : e.rules) {
    if (!r.symptom.empty() && r.symptom != f.symptom) continue;
    if (!r.file.empty() && r.file != f.file) continue;
    if (!r.mistake.empty()) {
      bool any = false;
      for (const auto& m : f.mistakes) any = any || m == r.mistake;
      if (!any) continue;
    }
    if (r.message_empty && (!f.message || *r.message_empty != f.message_empty)) continue;
    if (!r.got_contains.empty() && f.got.find(r.got_contains) == std::string::npos) continue;
    if (!r.got_regex.empty() && !std::regex_search(f.got, std::regex(r.got_regex))) continue;
    if (!r.stderr_contains.empty() && f.err.find(r.stderr_contains) == std::string::npos) continue;
    if (!r.output_contains.empty() && f.out.find(r.output_contains) == std::string::npos) continue;
    return &r;
  }
  return nullptr;
}

// What a symptom means when the exercise says nothing more particular.
Text default_diagnosis(const Failure& f) {
  std::size_t k = f.message.value_or(0) + 1;
  const auto& s = f.symptom;
  if (s == "wrong_answer") return tr("Your program answers message {} with other bytes than the right answer.", k);
  if (s == "no_answer") return tr("Your program gives no answer to message {}: it waits for something that does not come.", k);
  if (s == "incomplete") return tr("Your program sends part of the answer to message {}, then nothing more.", k);
  if (s == "closed") return tr("Your program closes the connection instead of answering message {}.", k);
  if (s == "died") return tr("Your program ends in the middle of the conversation: {}", last_line(f.err));
  if (s == "bad_frame") return tr("Your program sends an answer that is not framed as the exercise says.");
  if (s == "byte_order") return tr("Your program sends the length in the other byte order: {}.", f.evidence);
  if (s == "unframed_answer")
    return tr("Your program sends the answer without its length header: where the header should be, there is text.");
  if (s == "not_refused")
    return tr("Your program believes a hostile length: it waits for the body instead of closing the connection.");
  if (s == "next_connection") return tr("Your program does not serve the next client once the first has left.");
  if (s == "blocked_by_idle_client")
    return tr("Your program serves one client at a time: while one stays connected, the next one waits.");
  if (s == "two_writes") return tr("Your program writes each answer in more than one send() call: {}.", f.evidence);
  if (s == "extra_round_trip")
    return tr("Your program waits for its client in the middle of an answer ({}): one more round trip per command.",
              f.evidence);
  if (s == "partial_send_ignored")
    return tr("Your program ignores what send() returned: {}. The rest was never sent.", f.evidence);
  if (s == "truncated_datagram")
    return tr("Your program reads a datagram into a shorter buffer and does not notice the cut: {}.", f.evidence);
  if (s == "request_unframed") return tr("Your program sends its request without the framing the server expects.");
  if (s == "sent_less") return tr("Your program sends less than it should: {}.", f.evidence);
  if (s == "sent_differs") return tr("Your program sends other bytes than it should: {}.", f.evidence);
  if (s == "output_differs") return tr("Your program prints something other than the right output.");
  if (s == "exit_status") return tr("Your program ends with an error: {}", last_line(f.err));
  if (s == "stuck") return tr("Your program waits for something that never comes, and never ends.");
  if (s == "cut") {
    if (!f.mistake_words.empty()) return tr("Your program {}.", mistakes_text(f.mistake_words));
    return tr("Your program breaks when the stream is cut, in a way no classic mistake explains.");
  }
  return tr("Your program does not do what the exercise asks.");
}

// The length in `pending`'s header read the other way round, when that fits what followed.
std::optional<Text> other_byte_order(const sticky::Codec& codec, std::string_view pending, std::uint64_t expected_size) {
  const auto* length = dynamic_cast<const sticky::LengthCodec*>(&codec);
  if (!length || pending.size() < length->header_size()) return std::nullopt;
  const auto& o = length->options();
  if (o.width < 2) return std::nullopt;
  std::string_view field = pending.substr(o.offset, static_cast<std::size_t>(o.width));
  std::uint64_t big = 0, little = 0;
  for (std::size_t i = 0; i < field.size(); ++i) {
    big = (big << 8) | static_cast<unsigned char>(field[i]);
    little |= static_cast<std::uint64_t>(static_cast<unsigned char>(field[i])) << (8 * i);
  }
  std::uint64_t ours = o.big_endian ? big : little, other = o.big_endian ? little : big;
  std::uint64_t after = pending.size() - length->header_size();
  if (ours == other || (other != after && other != expected_size)) return std::nullopt;
  return o.big_endian ? tr("its header {} is {} read as struct.pack('!I') (big endian), but {} read as struct.pack('i') "
                           "(little endian), and {} bytes followed",
                           hex_spaced(field), ours, other, after)
                      : tr("its header {} is {} read as struct.pack('i') (little endian), but {} read as "
                           "struct.pack('!I') (big endian), and {} bytes followed",
                           hex_spaced(field), ours, other, after);
}

// ------------------------------------------------------------------------------ pieces

// "header bytes 1-2 of 4", "body", "bytes 3-16 of 16": the part [a, b) of a frame of
// `size` bytes whose payload starts at `header` and is `payload` bytes long.
Text frame_part(std::uint64_t a, std::uint64_t b, std::uint64_t header, std::uint64_t payload, std::uint64_t size,
               const Text& trailer) {
  auto region = [](const Text& name, std::uint64_t x, std::uint64_t y, std::uint64_t n) {
    if (x == 0 && y == n) return name;
    if (y - x == 1) return tr("{} byte {} of {}", name, x + 1, n);
    return tr("{} bytes {}-{} of {}", name, x + 1, y, n);
  };
  std::vector<Text> parts;
  if (header > 0 && a < header) parts.push_back(region(tr("header"), a, std::min(b, header), header));
  std::uint64_t body_end = header + payload;
  if (b > header && a < body_end)
    parts.push_back(region(header > 0 ? tr("body") : payload == size ? tr("record") : tr("text"),
                           std::max(a, header) - header, std::min(b, body_end) - header, payload));
  if (b > body_end && body_end < size) parts.push_back(trailer);
  if (parts.empty()) return speak::same("");
  return speak::join(parts, tr(" and "));
}

struct Frame {
  std::uint64_t begin = 0, end = 0, header = 0, payload = 0;
};

std::vector<Frame> frames_of(const sticky::Codec& codec, const std::vector<std::string>& payloads) {
  std::vector<Frame> out;
  std::uint64_t at = 0;
  for (const auto& p : payloads) {
    std::string wire = codec.encode(p);
    std::size_t scanned = 0;
    auto bounds = codec.find_frame(wire, 0, scanned);
    Frame f{at, at + wire.size(), bounds ? bounds->payload_begin : 0, p.size()};
    out.push_back(f);
    at = f.end;
  }
  return out;
}

// One line per piece that holds bytes of frame `k`: "bytes 13-14  00 00  header bytes 1-2 of 4".
std::vector<Text> piece_lines(const std::vector<Frame>& frames, std::size_t k, const Cuts& cuts, std::string_view stream,
                              const char* noun, const sticky::Codec& codec) {
  const auto* delimiter = dynamic_cast<const sticky::DelimiterCodec*>(&codec);
  Text trailer = delimiter && delimiter->delimiter() == "\n" ? tr("the newline")
                 : delimiter                                   ? tr("the delimiter")
                                                               : tr("the padding");
  std::vector<Text> lines;
  std::uint64_t total = frames.empty() ? 0 : frames.back().end;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces;
  std::uint64_t at = 0;
  for (auto c : cuts) {
    if (c <= at || c >= total) continue;
    pieces.emplace_back(at, c);
    at = c;
  }
  pieces.emplace_back(at, total);
  const Frame& f = frames[k];
  for (auto [b, e] : pieces) {
    if (e <= f.begin || b >= f.end) continue;
    std::uint64_t x = std::max(b, f.begin) - f.begin, y = std::min(e, f.end) - f.begin;
    Text holds = frame_part(x, y, f.header, f.payload, f.end - f.begin, trailer);
    std::vector<Text> others;
    std::size_t first = k, last = k;
    while (first > 0 && frames[first - 1].end > b) --first;
    while (last + 1 < frames.size() && frames[last + 1].begin < e) ++last;
    bool answers = std::string_view(noun) == "answer";
    if (first < k) {
      Text before = k - first == 1 ? (answers ? tr("the end of answer {}", k) : tr("the end of message {}", k))
                                   : (answers ? tr("the end of answers {}-{}", first + 1, k)
                                              : tr("the end of messages {}-{}", first + 1, k));
      holds = speak::join({before, holds}, tr(", "));
    }
    if (last > k) {
      Text after = last - k == 1 ? (answers ? tr("answer {}", k + 2) : tr("message {}", k + 2))
                                 : (answers ? tr("answers {}-{}", k + 2, last + 1) : tr("messages {}-{}", k + 2, last + 1));
      holds = speak::join({holds, after}, tr(", then "));
    }
    Text range = e - b == 1 ? tr("byte {}", b) : tr("bytes {}-{}", b, e - 1);
    lines.push_back(tr("{}  {}  {}", speak::pad(range.local, 14), fmt::format("{:<24}", hex_spaced(stream.substr(b, e - b), 7)), holds));
  }
  return lines;
}

}  // namespace

Text quote(std::string_view bytes, std::size_t max) {
  if (bytes.empty()) return tr("\"\" (empty)");
  std::size_t n = std::min(bytes.size(), max);
  while (n > 1 && n < bytes.size() && (static_cast<unsigned char>(bytes[n]) & 0xc0) == 0x80) --n;  // whole characters
  std::string shown = sticky::printable(bytes.substr(0, n));
  while (n > 1 && shown.size() > max + 8) shown = sticky::printable(bytes.substr(0, --n));
  std::string quoted = fmt::format("\"{}{}\"", shown, n < bytes.size() ? "…" : "");
  return tr("{} ({})", quoted, speak::byte_count(bytes.size()));
}

// ------------------------------------------------------------------------------ the judge

namespace {

class Judge {
 public:
  Judge(const Exercise& e, const fs::path& work, const JudgeOptions& o)
      : e_(e), work_(work), o_(o), fresh_(o.seed), common_(fs::absolute(e.dir.parent_path() / "common")) {
    v_.exercise = e.name;
    v_.seed = o.seed;
    student_env_ = environment({});
    reference_env_ = environment(common_);
  }

  Verdict run() {
    auto started = Clock::now();
    for (const auto& p : e_.parts) {
      v_.file = p.file;
      v_.steps.clear();
      int status = 0;
      try {
        status = part(p);
      } catch (const Interrupted&) {
        throw;
      } catch (const std::exception& ex) {
        status = not_judged(tr("{}", ex.what()));
      }
      if (status != 0) break;
    }
    if (v_.status == 0) v_.fix = {};
    v_.replay = replay_command();
    v_.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    return v_;
  }

 private:
  void progress(const Text& t) {
    if (o_.progress) o_.progress(t);
  }

  int not_judged(const Text& reason) {
    v_.status = 3;
    v_.reason = reason;
    return 3;
  }

  int internal(const Text& why) {
    return not_judged(tr("sticky-learn's own reference for {} failed ({}): a bug in the exercise, please report it.",
                         v_.file, why));
  }

  // Names the failure: the exercise's rule for it, else what the symptom means.
  int fail(Failure f, std::size_t step) {
    v_.status = 1;
    v_.failed_step = step;
    v_.symptom = f.symptom;
    v_.mistakes = f.mistakes;
    f.err = f.err.empty() ? last_err_ : f.err;
    f.file = v_.file;
    const Rule* r = match(e_, f);
    v_.diagnosis = r ? r->diagnosis.text() : default_diagnosis(f);
    v_.fix = r && !r->fix.empty() ? r->fix.text() : e_.fix.text();
    bool told = false;  // the evidence is already a step's
    for (const auto& s : v_.steps) told = told || s.got.english == f.evidence.english;
    if (!f.evidence.english.empty() && r && !told) v_.notes.push_back(tr("What showed it: {}.", f.evidence));
    return 1;
  }

  std::string replay_command() const {
    std::string cmd = fmt::format("{} check {} --seed {}", o_.command, e_.number_text(), v_.seed);
    if (!replay_cuts_.empty()) {
      cmd += " --cuts ";
      if (e_.parts.size() > 1) cmd += v_.file + ":";
      cmd += replay_cuts_;
    }
    return cmd;
  }

  std::unique_ptr<sticky::Codec> codec_of(const Part& p) const {
    return sticky::make_codec(sticky::parse_codec_spec(p.codec.empty() ? "--codec length" : p.codec));
  }

  std::vector<std::string> expand_all(const std::vector<std::string>& templates) {
    std::vector<std::string> out;
    for (const auto& t : templates) out.push_back(fresh_.expand(t));
    return out;
  }

  // The cut to replay for this part, when the student asked for one (--cuts [FILE:]2,6).
  std::optional<Cuts> asked_cuts(const Part& p) const {
    if (!o_.replay_cuts || !p.cuts) return std::nullopt;
    if (!o_.replay_file.empty() && o_.replay_file != p.file) return std::nullopt;
    if (o_.replay_file.empty() && &p != first_cut_part()) return std::nullopt;
    return o_.replay_cuts;
  }

  const Part* first_cut_part() const {
    for (const auto& p : e_.parts)
      if (p.cuts) return &p;
    return nullptr;
  }

  int part(const Part& p) {
    if (!fs::exists(work_ / p.file))
      return not_judged(tr("{} is not in {}: run sticky-learn init, or sticky-learn reset {}.", p.file, work_.string(),
                           e_.number_text()));
    return p.role == Role::client ? client_part(p) : server_part(p);
  }

  // -------------------------------------------------------------------------- servers

  Conversation conversation_of(const Part& p, const std::vector<std::string>& messages) const {
    Conversation c;
    c.udp = p.role == Role::udp_server;
    c.idle_client = p.idle_client;
    for (std::size_t i = 0; i < messages.size(); ++i) c.acts.push_back({Act::Kind::message, 1, i, messages[i]});
    if (!c.udp && !p.hostile.empty()) c.acts.push_back({Act::Kind::hostile, 2, 0, p.hostile + "echo "});
    if (!c.udp && p.next_connection) c.acts.push_back({Act::Kind::message, 3, 0, messages[0]});
    return c;
  }

  Step step_of(const Part& p, const Act& act, const Outcome& expected, const Outcome* got) const {
    Step s;
    bool udp = p.role == Role::udp_server;
    std::size_t k = act.message + 1;
    if (act.kind == Act::Kind::hostile) {
      std::size_t header = act.payload.size() >= 5 ? act.payload.size() - 5 : act.payload.size();
      s.did = tr("On a new connection, sent a header {} that announces {} bytes, then {} bytes of body.",
                 hex_spaced(act.payload.substr(0, header)), announced(p, act.payload.substr(0, header)),
                 act.payload.size() - header);
      s.expected = tr("the connection closed at once: a length over the limit is refused");
    } else {
      Text what = act.payload.empty() ? (udp ? tr("an empty datagram") : tr("an empty message (a header saying 0)"))
                                      : quote(act.payload);
      s.did = udp              ? tr("Sent datagram {}: {}.", k, what)
              : act.conn == 3 ? tr("Closed that connection; a new client connected and sent message {}: {}, in one write.", k, what)
                              : tr("Sent message {}: {}, in one write.", k, what);
      s.expected = udp ? tr("the datagram {}", quote(expected.answer)) : tr("the answer {}", quote(expected.answer));
      if (expected.answer.empty()) s.expected = udp ? tr("an empty datagram") : tr("an empty answer (a header saying 0)");
    }
    if (got) {
      s.ok = same(*got, expected);
      if (!s.ok) s.got = outcome_text(p, *got);
    }
    return s;
  }

  Text announced(const Part& p, std::string_view header) const {
    auto codec = codec_of(p);
    if (const auto* length = dynamic_cast<const sticky::LengthCodec*>(codec.get()); length && header.size() >= length->header_size())
      return speak::same(fmt::format("{}", length->read_field(header)));
    return speak::same("?");
  }

  Text outcome_text(const Part& p, const Outcome& o) const {
    bool udp = p.role == Role::udp_server;
    Text t;
    switch (o.kind) {
      case Outcome::Kind::answer:
        t = o.answer.empty() ? (udp ? tr("an empty datagram") : tr("an empty answer")) : udp ? tr("the datagram {}", quote(o.answer)) : tr("the answer {}", quote(o.answer));
        break;
      case Outcome::Kind::no_answer:
        t = o.pending.empty() ? tr("nothing, for {}", seconds(answer_timeout_))
                              : tr("{}, then nothing more for {}", quote(o.pending), seconds(answer_timeout_));
        break;
      case Outcome::Kind::closed:
        t = o.pending.empty() ? tr("the connection closed") : tr("{}, then the connection closed", quote(o.pending));
        break;
      case Outcome::Kind::bad_frame:
        t = tr("{}, which is no framed answer ({})", quote(o.pending), speak::localized(o.detail));
        break;
      case Outcome::Kind::refused: t = tr("the connection closed"); break;
      case Outcome::Kind::not_refused:
        t = tr("the connection stayed open for {}: it waits for the body", seconds(refuse_timeout_));
        break;
      case Outcome::Kind::cannot_connect: t = tr("could not connect: {}", speak::localized(o.detail)); break;
    }
    if (o.idle_blocked) t = speak::plus(t, tr("; the answer came only once the silent client had left"));
    return t;
  }

  // The symptom of the first outcome unlike the reference's.
  Failure failure_of(const Part& p, const Conversation& c, const ServerRun& run, const std::vector<Outcome>& expected,
                     const sticky::Codec& codec, std::size_t i) const {
    Failure f;
    const Act& act = c.acts[i];
    const Outcome& o = run.talk.outcomes[i];
    f.message = act.message;
    f.message_empty = act.kind == Act::Kind::message && act.payload.empty();
    f.got = o.kind == Outcome::Kind::answer ? o.answer : o.pending;
    f.err = run.err;
    f.out = run.out;
    using K = Outcome::Kind;
    if (act.kind == Act::Kind::hostile) f.symptom = "not_refused";
    else if (o.idle_blocked) f.symptom = "blocked_by_idle_client";
    else if (run.ended && o.kind != K::answer) f.symptom = "died";
    else if (act.conn == 3 && o.kind != K::answer) f.symptom = "next_connection";
    else if (o.kind == K::answer) f.symptom = "wrong_answer";
    else if (auto other = other_byte_order(codec, o.pending, codec.encode(expected[i].answer).size())) {
      f.symptom = "byte_order";
      f.evidence = *other;
    } else if (o.kind == K::bad_frame) {
      f.symptom = printable_ascii(std::string_view(o.pending).substr(0, 4)) ? "unframed_answer" : "bad_frame";
    } else if (o.kind == K::no_answer) {
      f.symptom = o.pending.empty() ? "no_answer" : "incomplete";
    } else if (o.kind == K::closed) {
      f.symptom = "closed";
    } else {
      f.symptom = "no_answer";
    }
    (void)p;
    return f;
  }

  // A loaded machine is slower for the student's program too: its limits grow with what the
  // reference needed (started at the same moment, on the same machine).
  TalkOptions student_timing(const ServerRun& reference) {
    double slowest = 0;
    for (const auto& o : reference.talk.outcomes) slowest = std::max(slowest, o.ms);
    TalkOptions t;
    t.answer_timeout = std::max(kAnswerTimeout, Millis(static_cast<long>(20 * slowest)));
    t.refuse_timeout = std::max(kRefuseTimeout, Millis(static_cast<long>(10 * slowest)));
    answer_timeout_ = t.answer_timeout;
    refuse_timeout_ = t.refuse_timeout;
    return t;
  }
  static Millis listen_limit(const ServerRun& reference) { return std::max(kListenLimit, 3 * reference.listened + Millis(2000)); }

  int server_part(const Part& p) {
    bool udp = p.role == Role::udp_server;
    auto codec = codec_of(p);
    auto messages = expand_all(p.messages);
    Conversation c = conversation_of(p, messages);

    progress(tr("{}: the reference's answers", p.file));
    bool trace = !p.calls.empty() && can_trace() && !asked_cuts(p);
    if (!p.calls.empty() && !trace && !asked_cuts(p))
      v_.notes.push_back(tr("sticky-trace is not built here: the calls were not checked."));
    auto reference_server = start_server({python(), (e_.dir / "reference" / p.file).string()}, e_.dir / "reference",
                                         reference_env_, udp, false);
    auto student_server = asked_cuts(p) ? nullptr : start_server({python(), p.file}, work_, student_env_, udp, trace);
    auto reference = finish_server(*reference_server, c, *codec, {}, Millis(60000));
    if (reference.not_started) return internal(*reference.not_started);
    for (const auto& o : reference.talk.outcomes)
      if (o.kind != Outcome::Kind::answer && o.kind != Outcome::Kind::refused)
        return internal(outcome_text(p, o));
    if (reference.talk.outcomes.size() != c.acts.size()) return internal(tr("the conversation ended early"));
    const auto& expected = reference.talk.outcomes;
    TalkOptions options = student_timing(reference);
    listen_limit_ = listen_limit(reference);

    if (auto cuts = asked_cuts(p)) return replay(p, c, messages, expected, *codec, *cuts);

    progress(tr("{}: your program's answers", p.file));
    options.expected = &expected;
    auto run = finish_server(*student_server, c, *codec, options, listen_limit_);
    if (run.not_started) return not_judged(*run.not_started);
    last_err_ = run.err;

    if (c.idle_client) {
      Step s;
      s.did = tr("A first client connected and stayed silent; a second one talked, as follows.");
      v_.steps.push_back(s);
    }
    std::optional<std::size_t> failed;
    for (std::size_t i = 0; i < c.acts.size(); ++i) {
      const Outcome* got = i < run.talk.outcomes.size() ? &run.talk.outcomes[i] : nullptr;
      if (!got) break;
      v_.steps.push_back(step_of(p, c.acts[i], expected[i], got));
      if (!v_.steps.back().ok) {
        failed = i;
        break;
      }
    }

    // The calls, where the lesson is about them.
    std::optional<CallFinding> call;
    if (trace) call = server_calls(p, c, run, expected, *codec, failed);
    if (call && call->symptom == "two_writes") {  // what the two writes cost
      auto mean = [&](const std::vector<Outcome>& outcomes) {
        double sum = 0;
        int n = 0;
        for (std::size_t i = 0; i < outcomes.size() && i < c.acts.size(); ++i)
          if (c.acts[i].conn == 1 && outcomes[i].kind == Outcome::Kind::answer) sum += outcomes[i].ms, ++n;
        return n ? sum / n : 0.0;
      };
      call->evidence = tr("{}; an answer took {} ms on average (the reference's: {} ms)", call->evidence,
                          fmt::format("{:.1f}", mean(run.talk.outcomes)), fmt::format("{:.1f}", mean(expected)));
    }
    if (failed) {
      Failure f = failure_of(p, c, run, expected, *codec, *failed);
      // The calls say why, when they are about the same message and the program stopped
      // short or answered wrong bytes there (not when its answer was no answer at all).
      bool short_or_wrong = f.symptom == "no_answer" || f.symptom == "incomplete" || f.symptom == "wrong_answer";
      if (call && call->message == c.acts[*failed].message && short_or_wrong) {
        f.symptom = call->symptom;
        f.evidence = call->evidence;
      }
      return fail(f, v_.steps.size());
    }
    if (call) {
      Step s;
      s.did = tr("Looked at the calls your program made (sticky-trace).");
      s.expected = p.calls.front() == "one_write" ? tr("one send() per answer") : tr("no waiting for the client inside an answer");
      s.got = call->evidence;
      s.ok = false;
      v_.steps.push_back(s);
      Failure f;
      f.symptom = call->symptom;
      f.message = call->message;
      f.evidence = call->evidence;
      f.err = run.err;
      return fail(f, v_.steps.size());
    }

    // What was proven so far.
    std::size_t n = messages.size();
    v_.proven.push_back(udp ? tr("{} fresh datagrams (seed {}) answered exactly as the reference answers them.", n, v_.seed)
                            : tr("{} fresh messages (seed {}) answered exactly as the reference answers them.", n, v_.seed));
    if (c.idle_client) v_.proven.push_back(tr("It answered while another client stayed connected."));
    if (!p.hostile.empty()) v_.proven.push_back(tr("A hostile length was refused: the connection closed at once."));
    if (!udp && p.next_connection) v_.proven.push_back(tr("A new client was served after the first had left."));
    for (const auto& name : p.calls) {
      if (name == "one_write") v_.proven.push_back(tr("Each answer left in one send() (traced)."));
      if (name == "one_round_trip") v_.proven.push_back(tr("One round trip per command: no waiting inside an answer (traced)."));
    }
    if (!p.cuts || o_.replay_cuts) return 0;  // a replay cuts only the part it names
    return cut_server(p, c, messages, expected, *codec);
  }

  std::optional<CallFinding> server_calls(const Part& p, const Conversation& c, const ServerRun& run,
                                          const std::vector<Outcome>& expected, const sticky::Codec& codec,
                                          std::optional<std::size_t> failed) const {
    auto conn1 = run.talk.local_ports.find(1);
    for (const auto& name : p.calls) {
      if (name == "datagrams" && failed) {
        if (auto f = check_datagram(run.trace, c.acts[*failed].message, c.acts[*failed].payload.size())) return f;
      }
      if (conn1 == run.talk.local_ports.end()) continue;
      if (name == "one_write") {
        if (auto f = check_one_write(run.trace, conn1->second)) return f;
      }
      if (name == "one_round_trip") {
        std::vector<std::uint64_t> sizes;
        for (std::size_t i = 0; i < c.acts.size(); ++i)
          if (c.acts[i].conn == 1) sizes.push_back(codec.encode(expected[i].answer).size());
        if (auto f = check_one_round_trip(run.trace, conn1->second, sizes)) return f;
      }
    }
    return std::nullopt;
  }

  int cut_server(const Part& p, const Conversation& c, const std::vector<std::string>& messages,
                 const std::vector<Outcome>& expected, const sticky::Codec& codec) {
    progress(tr("{}: sticky-check cuts the stream", p.file));
    CutCheck check;
    check.mode = CutCheck::Mode::server;
    check.codec = p.codec;
    for (const auto& m : messages)
      if (m.find('\n') == std::string::npos) check.messages.push_back(m);
    check.program = {python(), p.file, "{port}"};
    check.cwd = work_.string();
    check.env = student_env_;
    check.seed = v_.seed;
    check.budget_s = o_.budget_s;
    CutVerdict cv = check_cuts(check);
    if (cv.status < 0) return not_judged(tr("sticky-check could not check it: {}", cv.error));
    absorb(cv);
    if (cv.status == 0) {
      proven_cuts(cv);
      return 0;
    }
    if (cv.status == 3) return uncut_failed(cv);
    v_.replay_raw = cv.replay;
    replay_cuts_ = fmt::format("{}", fmt::join(cv.cuts.empty() ? Cuts{} : cv.cuts, ","));
    if (cv.cuts.empty()) replay_cuts_ = "none";
    return replay(p, c, messages, expected, codec, cv.cuts, &cv);
  }

  void absorb(const CutVerdict& cv) {
    v_.planned = cv.planned;
    v_.tried = cv.tried;
    v_.families = cv.families;
  }

  void proven_cuts(const CutVerdict& cv) {
    std::vector<Text> names;
    for (const auto& f : cv.families) names.push_back(family_text(f.name));
    v_.proven.push_back(tr("sticky-check cut the stream {} ways ({}): every cut gave the same answers.", cv.tried,
                           speak::join(names, tr(", "))));
    if (cv.budget_ran_out) v_.notes.push_back(tr("The time for cutting ran out after {} of {} cuts.", cv.tried, cv.planned));
  }

  // sticky-check's uncut run failed where ours passed (a program whose reads depend on timing).
  int uncut_failed(const CutVerdict& cv) {
    if (cv.uncut_timed_out)
      return not_judged(tr("sticky-check's own uncut run of {} got no answer in time ({}): is the machine very busy? "
                           "Check again.", v_.file, speak::localized(cv.reference_failure)));
    Step s;
    s.did = tr("sticky-check ran the conversation again, uncut.");
    s.got = speak::localized(cv.reference_failure);
    s.ok = false;
    v_.steps.push_back(s);
    Failure f;
    f.symptom = "uncut_failed";
    for (const auto& h : cv.hints) f.err += h + "\n";
    return fail(f, v_.steps.size());
  }

  // Replays one cut of connection 1's stream and tells it step by step.
  int replay(const Part& p, const Conversation& whole, const std::vector<std::string>& messages,
             const std::vector<Outcome>& expected, const sticky::Codec& codec, const Cuts& cuts,
             const CutVerdict* cv = nullptr) {
    progress(tr("{}: replaying the cut", p.file));
    Conversation c;
    c.idle_client = false;
    for (const auto& a : whole.acts)
      if (a.conn == 1) c.acts.push_back(a);
    std::vector<Outcome> expect(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(c.acts.size()));
    if (replay_cuts_.empty()) replay_cuts_ = cuts.empty() ? "none" : fmt::format("{}", fmt::join(cuts, ","));
    TalkOptions options;
    options.expected = &expect;
    options.cuts = cuts;
    options.answer_timeout = answer_timeout_;
    options.refuse_timeout = refuse_timeout_;
    auto server = start_server({python(), p.file}, work_, student_env_, false, false);
    auto run = finish_server(*server, c, codec, options, listen_limit_);
    if (run.not_started) return not_judged(*run.not_started);
    last_err_ = run.err;

    std::vector<Frame> frames = frames_of(codec, messages);
    std::string stream;
    for (const auto& m : messages) stream += codec.encode(m);
    std::optional<std::size_t> failed;
    v_.steps.clear();
    for (std::size_t i = 0; i < run.talk.outcomes.size(); ++i) {
      Step s = step_of(p, c.acts[i], expect[i], &run.talk.outcomes[i]);
      auto lines = piece_lines(frames, i, cuts, stream, "message", codec);
      if (!went_alone(frames[i], cuts, stream.size())) {
        Text what = c.acts[i].payload.empty() ? tr("an empty message (a header saying 0)") : quote(c.acts[i].payload);
        s.did = lines.size() == 1 ? tr("Sent message {}: {}, in this piece (one send()):", i + 1, what)
                                  : tr("Sent message {}: {}, in {} pieces, each its own send():", i + 1, what, lines.size());
        s.pieces = lines;
      }
      v_.steps.push_back(s);
      if (!s.ok) {
        failed = i;
        break;
      }
    }
    Failure f;
    if (cv) {
      f.mistakes = cv->mistakes;
      f.mistake_words = cv->mistake_words;
      f.mistake_words = cv->mistake_words;
    }
    f.symptom = "cut";
    if (failed) {
      Failure g = failure_of(p, c, run, expect, codec, *failed);
      f.message = g.message;
      f.message_empty = g.message_empty;
      f.got = g.got;
      f.err = g.err;
      f.out = g.out;
      f.evidence = g.evidence;
      if (!cv) f.symptom = g.symptom;  // a replay the student asked for: say what it shows
    } else {
      // Our replay of the cut did not break it (its reads depend on timing): tell sticky-check's story.
      v_.steps.clear();
      Step s;
      s.did = tr("sticky-check cut the stream after bytes {} and sent each piece with its own send().",
                 cuts.empty() ? std::string("-") : fmt::format("{}", fmt::join(cuts, ",")));
      if (cv)
        for (const auto& line : cv->story) s.pieces.push_back(speak::localized(line));
      s.ok = false;
      s.got = tr("other answers than the reference's");
      v_.steps.push_back(s);
      if (!cv) {
        v_.status = 0;
        v_.proven.push_back(tr("This cut gave the right answers."));
        return 0;
      }
      v_.notes.push_back(tr("sticky-learn's own replay of this cut did not break it: the program depends on timing."));
    }
    return fail(f, v_.steps.size());
  }

  // Whether a frame went out alone, in one piece of its own.
  static bool went_alone(const Frame& f, const Cuts& cuts, std::uint64_t total) {
    auto cut_at = [&](std::uint64_t x) { return x == 0 || x == total || std::find(cuts.begin(), cuts.end(), x) != cuts.end(); };
    bool inside = std::any_of(cuts.begin(), cuts.end(), [&](std::uint64_t c) { return c > f.begin && c < f.end; });
    return cut_at(f.begin) && cut_at(f.end) && !inside;
  }

  // -------------------------------------------------------------------------- clients

  struct Peer {
    std::unique_ptr<Child> child;
    std::uint16_t port = 0;
  };

  std::optional<Text> start_peer(const Part& p, Peer& peer) {
    peer.port = port_for(false);
    std::vector<std::string> argv{python(), (e_.dir / p.peer).string(), std::to_string(peer.port)};
    for (const auto& a : p.peer_args) argv.push_back(a == "{seed}" ? std::to_string(v_.seed) : fresh_.expand(a));
    peer.child = std::make_unique<Child>(argv, (e_.dir / p.peer).parent_path().string(), reference_env_);
    return wait_listening(*peer.child, p.peer, peer.port, false, Millis(60000));
  }

  // The client's arguments after its port: files made fresh, templates expanded.
  std::vector<std::string> client_args(const Part& p, std::vector<std::string>& files_made, std::vector<Text>& shown) {
    std::vector<std::string> out;
    auto add = [&](const std::string& t) {
      if (t.starts_with("{file:")) {
        std::vector<std::string> f;
        std::string inside = t.substr(6, t.size() - 7);
        auto colon = inside.find(':');
        std::size_t n = fresh_.number(std::stoull(inside.substr(0, colon)), std::stoull(inside.substr(colon + 1)));
        char name[] = "/tmp/sticky-learn-upload-XXXXXX";
        int fd = ::mkstemp(name);
        if (fd < 0) throw std::runtime_error("cannot create a temporary file");
        ::close(fd);
        std::ofstream(name, std::ios::binary) << fresh_.random_bytes(n);
        files_made.push_back(name);
        out.push_back(name);
        shown.push_back(tr("a file of {} random bytes", n));
      } else if (t == "{seed}") {
        out.push_back(std::to_string(v_.seed));
        shown.push_back(speak::same(out.back()));
      } else {
        out.push_back(fresh_.expand(t));
        shown.push_back(speak::same(join_words({out.back()})));
      }
    };
    for (const auto& a : p.args) add(a);
    for (const auto& m : p.messages) add(m);
    return out;
  }

  // The requests a client sent, decoded as far as they go; where they stop making sense.
  struct Decoded {
    std::vector<std::string> frames;
    std::string rest;
    std::string error;
  };
  static Decoded decode(const sticky::Codec& codec, const std::string& stream) {
    Decoded d;
    std::string_view left = stream;
    std::uint64_t offset = 0;
    for (;;) {
      std::size_t scanned = 0;
      try {
        auto b = codec.find_frame(left, offset, scanned);
        if (!b) break;
        d.frames.emplace_back(left.substr(b->payload_begin, b->payload_size));
        left.remove_prefix(b->size);
        offset += b->size;
      } catch (const sticky::FrameError& e) {
        d.error = e.what();
        break;
      }
    }
    d.rest = std::string(left);
    return d;
  }

  // Where two outputs part: "line 3: it printed "x"; the right output has "y"".
  static std::pair<std::size_t, std::size_t> parting(const std::string& a, const std::string& b) {
    std::size_t at = 0, line = 1;
    while (at < a.size() && at < b.size() && a[at] == b[at]) {
      if (a[at] == '\n') ++line;
      ++at;
    }
    return {at, line};
  }

  // The line of `s` holding byte `at`, from a few characters before `at` when the line is
  // long (so that where two outputs part is in sight): the text, and its column (1-based).
  static std::pair<std::string, std::size_t> around(const std::string& s, std::size_t at) {
    std::size_t begin = at == 0 ? 0 : s.rfind('\n', at - 1);
    begin = (begin == std::string::npos || at == 0) ? 0 : begin + 1;
    std::size_t end = s.find('\n', at);
    std::string line = s.substr(begin, end == std::string::npos ? std::string::npos : end - begin + 1);
    std::size_t from = at - begin;
    if (from <= 24) return {line, 1};
    std::size_t cut = from - 12;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80) --cut;  // a whole character
    return {line.substr(cut), cut + 1};
  }

  static std::string line_at(const std::string& s, std::size_t from) {
    std::size_t begin = from == 0 ? 0 : s.rfind('\n', from - 1);
    begin = (begin == std::string::npos || from == 0) ? 0 : begin + 1;
    std::size_t end = s.find('\n', from);
    return s.substr(begin, end == std::string::npos ? std::string::npos : end - begin + 1);
  }

  int client_part(const Part& p) {
    auto codec = codec_of(p);
    Peer peer;
    progress(tr("{}: starting its server", p.file));
    if (auto why = start_peer(p, peer)) return internal(*why);
    auto upstream = sticky::Address::ip("127.0.0.1", peer.port);
    std::vector<std::string> files;
    struct Remove {
      std::vector<std::string>& files;
      ~Remove() {
        for (const auto& f : files) ::unlink(f.c_str());
      }
    } remove{files};
    std::vector<Text> shown;
    auto args = client_args(p, files, shown);

    progress(tr("{}: the reference's run", p.file));
    std::vector<std::string> ref_argv{python(), (e_.dir / "reference" / p.file).string(), "{port}"};
    ref_argv.insert(ref_argv.end(), args.begin(), args.end());
    ClientLimits limits;
    ClientLimits generous;  // ours: only a machine far too busy makes it late
    generous.connect = Millis(60000);
    generous.idle = Millis(20000);
    generous.limit = Millis(120000);
    auto ref = run_client(ref_argv, (e_.dir / "reference").string(), reference_env_, upstream, std::nullopt, generous);
    if (ref.killed() || ref.status != 0) return internal(tr("{}: {}", status_text(ref.status), last_line(ref.err)));

    std::vector<std::string> argv{python(), p.file, "{port}"};
    argv.insert(argv.end(), args.begin(), args.end());
    Step ran;
    ran.did = shown.empty() ? tr("Ran python3 {} PORT: its server is the exercise's, behind our relay on PORT.", p.file)
                            : tr("Ran python3 {} PORT {}: its server is the exercise's, behind our relay on PORT.",
                                 p.file, speak::join(shown, speak::same(" ")));

    if (auto cuts = asked_cuts(p)) return client_replay(p, argv, upstream, ref, *codec, *cuts, nullptr, ran);

    progress(tr("{}: your program's run", p.file));
    bool trace = !p.calls.empty() && can_trace();
    if (!p.calls.empty() && !trace) v_.notes.push_back(tr("sticky-trace is not built here: the calls were not checked."));
    std::optional<TraceFile> trace_file;
    if (trace) trace_file.emplace();
    limits.idle = Millis(static_cast<long>(std::clamp(3 * ref.ms + 1500, 1500.0, 20000.0)));
    limits.connect = std::max(limits.connect, Millis(static_cast<long>(2 * ref.ms + 2000)));
    auto run = run_client(traced(argv, trace_file ? &*trace_file : nullptr), work_.string(), student_env_, upstream,
                          std::nullopt, limits);
    run.err = program_err(run.err);
    last_err_ = run.err;
    if (run.connections == 0) {
      if (!run.killed()) return not_judged(ended_early(p.file, run.status, run.err, tr("before it connected")));
      return not_judged(tr("{} did not connect within {}: does it take the port from sys.argv[1]?", p.file,
                           seconds(limits.connect)));
    }
    v_.steps.push_back(ran);
    std::vector<sticky::TraceEvent> events;
    if (trace_file) events = read_trace_file(trace_file->path);
    if (int status = compare_client(p, run, ref, *codec, events); status != 0) return status;

    v_.proven.push_back(ref.up.empty()
                            ? tr("It printed the right output ({}), from fresh data (seed {}).",
                                 speak::byte_count(ref.out.size()), v_.seed)
                            : tr("It sent the right requests ({}) and printed the right output ({}), with fresh data (seed {}).",
                                 speak::byte_count(ref.up.size()), speak::byte_count(ref.out.size()), v_.seed));
    if (std::find(p.calls.begin(), p.calls.end(), "every_byte") != p.calls.end())
      v_.proven.push_back(tr("Every byte was sent, though send() took only part of them at a time (traced)."));
    if (!p.cuts || o_.replay_cuts) return 0;

    progress(tr("{}: sticky-check cuts the answers", p.file));
    CutCheck check;
    check.mode = CutCheck::Mode::client;
    check.codec = p.codec;
    check.program = {python(), p.file, "{port}"};
    check.program.insert(check.program.end(), args.begin(), args.end());
    check.cwd = work_.string();
    check.env = student_env_;
    check.upstream = upstream.to_string();
    check.seed = v_.seed;
    check.budget_s = std::max(6.0, o_.budget_s * 0.6);  // a client is a new process for every cut: fewer fit
    CutVerdict cv = check_cuts(check);
    if (cv.status < 0) return not_judged(tr("sticky-check could not check it: {}", cv.error));
    absorb(cv);
    if (cv.status == 0) {
      proven_cuts(cv);
      return 0;
    }
    if (cv.status == 3) return uncut_failed(cv);
    v_.replay_raw = cv.replay;
    replay_cuts_ = cv.cuts.empty() ? "none" : fmt::format("{}", fmt::join(cv.cuts, ","));
    return client_replay(p, argv, upstream, ref, *codec, cv.cuts, &cv, ran);
  }

  // Compares a client's run with the reference's: what it sent, how it ended, what it printed.
  int compare_client(const Part& p, const ClientResult& run, const ClientResult& ref, const sticky::Codec& codec,
                     const std::vector<sticky::TraceEvent>& events, const std::vector<Text>& down_pieces = {}) {
    Failure f;
    f.err = run.err;
    f.out = run.out;
    std::optional<CallFinding> call;
    if (std::find(p.calls.begin(), p.calls.end(), "every_byte") != p.calls.end() && !events.empty())
      call = check_every_byte(events, ref.up.size());

    // 1. What it sent.
    if (run.up != ref.up) {
      Step s;
      auto theirs = decode(codec, run.up), ours = decode(codec, ref.up);
      s.did = tr("It sent {} to the server.", speak::byte_count(run.up.size()));
      s.expected = ours.frames.size() == 1 ? tr("1 framed message: {}", quote(ours.frames[0]))
                                           : tr("{} framed messages, the first {}", ours.frames.size(),
                                                quote(ours.frames.empty() ? std::string() : ours.frames[0]));
      std::size_t k = 0;
      while (k < theirs.frames.size() && k < ours.frames.size() && theirs.frames[k] == ours.frames[k]) ++k;
      if (k < theirs.frames.size()) {
        f.symptom = "sent_differs";
        f.message = k;
        auto [at, line] = parting(theirs.frames[k], k < ours.frames.size() ? ours.frames[k] : std::string());
        (void)line;
        f.evidence = tr("message {} differs from byte {} on", k + 1, at);
        s.got = tr("message {} {}", k + 1, quote(theirs.frames[k]));
      } else if (!theirs.error.empty() || (!theirs.rest.empty() && theirs.frames.size() < ours.frames.size() &&
                                            !ref.up.starts_with(run.up))) {
        f.symptom = "request_unframed";
        f.message = k;
        s.got = theirs.error.empty() ? tr("{}, which is no framed message", quote(theirs.rest))
                                     : tr("{}, which is no framed message ({})", quote(theirs.rest), speak::localized(theirs.error));
      } else if (ref.up.starts_with(run.up)) {
        f.symptom = "sent_less";
        f.evidence = tr("{} of {}", speak::byte_count(run.up.size()), speak::byte_count(ref.up.size()));
        s.got = tr("only {} of them: {}", speak::byte_count(run.up.size()), f.evidence);
      } else {
        f.symptom = "sent_differs";
        auto [at, line] = parting(run.up, ref.up);
        (void)line;
        f.evidence = tr("from byte {} on", at);
        s.got = tr("other bytes, {}", f.evidence);
      }
      s.ok = false;
      f.got = run.up;
      v_.steps.push_back(s);
      if (call) {
        f.symptom = call->symptom;
        f.evidence = call->evidence;
      }
      return fail(f, v_.steps.size());
    }
    Step sent;
    sent.did = ref.up.empty() ? tr("It sent nothing, as it should.") : tr("It sent the right requests ({}).", speak::byte_count(run.up.size()));
    v_.steps.push_back(sent);
    if (!down_pieces.empty()) {
      Step down;
      down.did = tr("The server's answers came down cut, each piece its own send():");
      down.pieces = down_pieces;
      v_.steps.push_back(down);
    }

    // 2. What it printed, and how it ended.
    bool output_ok = run.out == ref.out, ending_ok = !run.killed() && run.status == ref.status;
    if (output_ok && ending_ok) {
      Step s;
      s.did = tr("It printed the right output ({}) and ended with {}.", speak::byte_count(run.out.size()), status_text(run.status));
      v_.steps.push_back(s);
      if (call) {
        Step c;
        c.did = tr("Looked at the calls your program made (sticky-trace).");
        c.got = call->evidence;
        c.ok = false;
        v_.steps.push_back(c);
        f.symptom = call->symptom;
        f.evidence = call->evidence;
        return fail(f, v_.steps.size());
      }
      return 0;
    }
    Step s;
    s.did = tr("It printed {}, and {}.", speak::byte_count(run.out.size()),
               run.stuck       ? tr("waited for more without ending (stopped after {} with nothing to do)", seconds(Millis(static_cast<long>(run.ms))))
               : run.timed_out ? tr("was still running at the time limit (stopped)")
                               : tr("ended with {}", status_text(run.status)));
    auto [at, line] = parting(run.out, ref.out);
    if (!output_ok) {
      if (at == run.out.size())
        s.expected = tr("the right output, {}; line {} is {}", speak::byte_count(ref.out.size()), line, quote(line_at(ref.out, at)));
      else {
        auto [theirs, column] = around(ref.out, at);
        s.expected = column == 1 ? tr("line {}: {}", line, quote(theirs))
                                 : tr("line {}, from its byte {}: {}", line, column, quote(theirs));
      }
      if (at == run.out.size()) {
        s.got = run.out.empty() ? tr("nothing at all") : tr("its output stops before line {}", line);
      } else {
        auto [mine, column] = around(run.out, at);
        s.got = column == 1 ? tr("line {}: {}", line, quote(mine)) : tr("line {}, from its byte {}: {}", line, column, quote(mine));
      }
    } else {
      s.expected = tr("exit status 0");
      s.got = status_text(run.status);
    }
    if (!ending_ok && !last_line(run.err).empty()) s.got = tr("{}; it said: {}", s.got, last_line(run.err));
    s.ok = false;
    v_.steps.push_back(s);
    f.got = run.out;
    f.symptom = run.killed() ? "stuck" : !ending_ok ? "exit_status" : "output_differs";
    if (call) {
      f.symptom = call->symptom;
      f.evidence = call->evidence;
    }
    return fail(f, v_.steps.size());
  }

  int client_replay(const Part& p, const std::vector<std::string>& argv, const sticky::Address& upstream,
                    const ClientResult& ref, const sticky::Codec& codec, const Cuts& cuts, const CutVerdict* cv, const Step& ran) {
    progress(tr("{}: replaying the cut", p.file));
    if (replay_cuts_.empty()) replay_cuts_ = cuts.empty() ? "none" : fmt::format("{}", fmt::join(cuts, ","));
    ClientLimits limits;
    limits.idle = Millis(static_cast<long>(std::clamp(3 * ref.ms + 1500, 1500.0, 20000.0)));
    auto run = run_client(argv, work_.string(), student_env_, upstream, cuts, limits);
    last_err_ = run.err;
    // The answers' frames, from the reference's stream.
    auto answers = decode(codec, ref.down);
    std::vector<Frame> frames = frames_of(codec, answers.frames);
    std::vector<Text> lines;
    for (std::size_t k = 0; k < frames.size(); ++k) {
      auto l = piece_lines(frames, k, cuts, ref.down, "answer", codec);
      for (auto& x : l)
        if (std::find_if(lines.begin(), lines.end(), [&](const Text& y) { return y.english == x.english; }) == lines.end())
          lines.push_back(x);
    }
    if (lines.size() > 12) {
      std::size_t more = lines.size() - 12;
      lines.resize(12);
      lines.push_back(tr("… {} more pieces", more));
    }
    v_.steps.clear();
    v_.steps.push_back(ran);
    int status = compare_client(p, run, ref, codec, {}, lines);
    if (status == 0) {
      if (!cv) {
        v_.proven.push_back(tr("This cut gave the right output."));
        return 0;
      }
      v_.notes.push_back(tr("sticky-learn's own replay of this cut did not break it: the program depends on timing."));
      Step s;
      s.did = tr("sticky-check cut the answers after bytes {}.", fmt::format("{}", fmt::join(cuts, ",")));
      for (const auto& line : cv->story) s.pieces.push_back(speak::localized(line));
      s.ok = false;
      v_.steps.push_back(s);
      Failure f;
      f.symptom = "cut";
      f.mistakes = cv->mistakes;
      f.mistake_words = cv->mistake_words;
      return fail(f, v_.steps.size());
    }
    if (cv) {  // the cut broke it: name it by what sticky-check saw, with what our replay showed
      Failure f;
      f.symptom = "cut";
      f.mistakes = cv->mistakes;
      f.mistake_words = cv->mistake_words;
      f.err = run.err;
      f.out = run.out;
      f.got = run.out;
      std::size_t step = v_.failed_step;
      v_.notes.clear();
      return fail(f, step);
    }
    return status;
  }

  const Exercise& e_;
  fs::path work_;
  const JudgeOptions& o_;
  Generator fresh_;
  fs::path common_;
  std::vector<std::string> student_env_, reference_env_;
  std::string last_err_;
  Verdict v_;
  std::string replay_cuts_;  // the cut being told, for the replay command ("2,6", "none")
  Millis answer_timeout_ = kAnswerTimeout, refuse_timeout_ = kRefuseTimeout;  // as used
  Millis listen_limit_ = kListenLimit;
};

}  // namespace

Verdict judge(const Exercise& exercise, const fs::path& work, const JudgeOptions& options) {
  Judge j(exercise, work, options);
  return j.run();
}

}  // namespace learn
