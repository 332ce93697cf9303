#include "check/server_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>

#include "check/compare.hpp"
#include "check/conversation.hpp"
#include "check/explore.hpp"
#include "check/listening.hpp"
#include "check/messages.hpp"
#include "check/replay.hpp"
#include "check/server_process.hpp"
#include "check/words.hpp"
#include "speak/length_hint.hpp"
#include "sticky/bytes.hpp"

namespace check {

namespace {

using Clock = std::chrono::steady_clock;
using speak::Text;
using speak::tr;

// One run of the conversation, and what became of the program.
struct Run {
  Exchange x;
  std::optional<ServerProcess::Exit> exit;  // it exited right after the run
  bool inconclusive = false;                // no evidence after every retry
};

struct Failure {
  std::size_t plan;
  Run run;
};

// Stops the conversation when the program cannot be made to listen again.
struct GoneAway : std::runtime_error {
  explicit GoneAway(Text why) : std::runtime_error(why.english), text(std::move(why)) {}
  Text text;
};

std::string substitute_port(std::string arg, std::uint16_t port) {
  for (auto at = arg.find("{port}"); at != std::string::npos; at = arg.find("{port}", at))
    arg.replace(at, 6, std::to_string(port));
  return arg;
}

class ServerCheck {
 public:
  explicit ServerCheck(const Options& o) : o_(o) {}

  Report run() {
    auto started = Clock::now();
    deadline_ = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.budget));
    prepare();
    report_.mode = "server";
    report_.program = shell_join(command_);
    report_.requests = o_.framing.up.describe();
    report_.answers = o_.framing.down.describe();
    report_.same_framing = o_.framing.same();
    report_.seed = *o_.seed;
    report_.target = address_.to_string();
    if (auto stop = start()) {
      cannot_tell(*stop, {}, true);
    } else if (reference()) {
      if (o_.replay_cuts) replay(parse_cuts(*o_.replay_cuts));
      else explore();
    }
    finish(started);
    return report_;
  }

 private:
  // --------------------------------------------------------------------------- set-up

  void prepare() {
    if (!o_.framing.up.codec()) throw UsageError(tr("requests cannot end at close: --framing up:close").english);
    protocol_.up = o_.framing.up.codec();
    protocol_.down = o_.framing.down.codec();
    protocol_.connection_per_message = o_.connection_per_message || o_.framing.down.ends_at_close();
    side_ = protocol_.connection_per_message ? Side::requests_apart : Side::requests;
    if (o_.framing.down.ends_at_close() && o_.greeting.value_or(0) > 0)
      throw UsageError(tr("--greeting: a server that speaks first needs framed answers, not down:close").english);

    messages_ = o_.messages;
    if (!o_.messages_file.empty()) {
      std::vector<std::string> more;
      try {
        more = read_lines(o_.messages_file, "--messages");
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
      messages_.insert(messages_.end(), more.begin(), more.end());
    }
    builtin_ = messages_.empty();
    if (builtin_) messages_ = builtin_messages(protocol_.up);
    if (messages_.empty())
      throw UsageError(tr("no built-in message fits this codec; give some with --message").english);
    std::vector<std::string> frames;
    for (std::size_t i = 0; i < messages_.size(); ++i) {
      try {
        frames.push_back(protocol_.up->encode(messages_[i]));
      } catch (const std::invalid_argument& e) {
        throw UsageError(tr("message {} cannot be framed: {}", i + 1, speak::localized(e.what())).english);
      }
      stream_ += frames.back();
    }
    layout_ = layout_of(*protocol_.up, frames);
    context_ = context_of(layout_, o_.framing.up);
    if (!o_.expect_file.empty()) {
      try {
        expected_ = read_lines(o_.expect_file, "--expect");
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
      if (expected_.size() != messages_.size())
        throw UsageError(tr("--expect: {} holds {} answers for {} messages", o_.expect_file, expected_.size(),
                            messages_.size())
                             .english);
    }
    ignoring_.ignore = o_.ignore;
    check_ignore(o_.ignore);

    if (!o_.port && o_.connect.empty())
      throw UsageError(tr("server mode needs --port P (where the program listens) or --connect HOST:PORT").english);
    command_ = o_.command;
    try {
      if (!o_.connect.empty()) {
        address_ = sticky::Address::parse(o_.connect);
      } else if (*o_.port == 0) {
        bool placeholder = std::any_of(command_.begin(), command_.end(),
                                       [](const std::string& a) { return a.find("{port}") != std::string::npos; });
        if (command_.empty()) throw UsageError(tr("--port 0 needs the program's command after --").english);
        if (placeholder) {
          // A port nobody uses now, the OS's pick, handed to the program as {port}.
          auto listener = sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
          std::uint16_t port = sticky::local_address(listener.get()).port();
          for (auto& a : command_) a = substitute_port(a, port);
          address_ = sticky::Address::ip("127.0.0.1", port);
          port_note_ = tr("--port 0: the OS picked port {}, given to the program as {{port}}.", port);
        } else {
          address_ = sticky::Address::ip("127.0.0.1", 0);
          find_port_ = true;
        }
      } else {
        address_ = sticky::Address::ip("127.0.0.1", static_cast<std::uint16_t>(*o_.port));
        for (auto& a : command_) a = substitute_port(a, static_cast<std::uint16_t>(*o_.port));
      }
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {
      throw UsageError(tr("--connect: {}", speak::localized(e.what())).english);
    }
  }

  // Starts the program (or awaits the server); why not, when it does not listen.
  std::optional<Text> start() {
    if (!command_.empty() && !find_port_ && is_local(address_)) {
      if (listening(address_.port()).value_or(false))
        return tr("Something already listens on {} before the program started. Stop it, or give the program "
                  "and --port another port.",
                  address_.to_string());
    }
    server_ = std::make_unique<ServerProcess>(command_, address_, find_port_);
    progress(tr("sticky-check: starting the program"));
    auto limit = std::min(deadline_ + std::chrono::seconds(5), Clock::now() + std::chrono::seconds(10));
    if (auto why = server_->ready(limit)) {
      if (command_.empty())
        return speak::plus(*why, tr(" Start the server first, or give its command after --."));
      return why;
    }
    address_ = server_->address();
    report_.target = address_.to_string();
    if (find_port_) port_note_ = tr("--port 0: the program listens on port {}, found by its socket.", address_.port());
    return std::nullopt;
  }

  void progress(const Text& text) const {
    if (o_.progress) o_.progress(text);
  }

  Connect connector() {
    return [this] {
      auto limit = Clock::now() + std::chrono::seconds(10);
      if (auto why = server_->ready(limit)) throw NotThere(why->english);
      return server_->address();
    };
  }

  // One run, retried while it is no evidence: a connection the program never took (it was
  // between two lives), pieces that joined because it read slowly.
  Run attempt(const Layout& layout, const std::string& stream, const Cuts& cuts, Timing timing,
              const AnswerCheck* expected, int tries = 3) {
    Run r;
    for (int i = 0; i < tries; ++i) {
      r.x = converse(connector(), protocol_, stream, layout, cuts, expected, timing);
      r.exit = server_->after_run(r.x.ok() ? Millis(0) : Millis(50));
      if (r.x.end == Exchange::End::cannot_connect && server_->started_by_us()) {
        // ready() could not bring it back: nothing more can be run.
        auto limit = Clock::now() + std::chrono::seconds(10);
        if (auto why = server_->ready(limit)) throw GoneAway(tr("The program could not be started again: {}", *why));
      }
      if (r.x.evidence() && !(r.x.unserved() && between_lives(r))) return r;
      ++retries_;
      if (!r.x.as_planned) timing.read_wait = Millis(std::min<std::int64_t>(timing.read_wait.count() * 3, 3000));
    }
    r.inconclusive = true;
    return r;
  }

  // A failed run the program may never have seen: it exited cleanly right after (a one-shot
  // server that had closed its listening socket), or it is alive and not listening. A
  // program that died of our bytes, or goes on listening, did see them.
  bool between_lives(const Run& r) const {
    if (r.exit) return r.exit->status == 0;
    if (!is_local(server_->address()) || server_->address().is_unix()) return false;
    return !listening(server_->address().port()).value_or(true);
  }

  // --------------------------------------------------------------------------- uncut runs

  bool same_answer(std::string_view a, std::string_view b) const {
    if (a == b) return true;
    if (o_.ignore.empty()) return false;
    return compared_lines(ignoring_, std::string(a)) == compared_lines(ignoring_, std::string(b));
  }

  // The uncut conversation twice; false when the check cannot go on (the report says why).
  bool reference() {
    Timing timing;
    timing.answer_timeout = Millis(o_.timeout_ms);
    timing.read_wait = Millis(1000);
    if (!o_.greeting && protocol_.down) timing.greeting_wait = Millis(250);
    protocol_.greeting = o_.greeting.value_or(0);
    Run first, second;
    try {
      progress(tr("sticky-check: reference run"));
      first = attempt(layout_, stream_, layout_.boundaries(), timing, nullptr);
      if (!first.x.ok()) return reference_failed(first, false);
      protocol_.greeting = o_.greeting.value_or(first.x.greeting_seen);
      timing.greeting_wait = Millis(0);
      progress(tr("sticky-check: reference run, again"));
      second = attempt(layout_, stream_, layout_.boundaries(), timing, nullptr);
      if (!second.x.ok()) return reference_failed(second, true);
    } catch (const GoneAway& gone) {
      cannot_tell(gone.text, {}, true);
      return false;
    }
    const std::size_t n = messages_.size();
    reference_.assign(first.x.answers.begin(), first.x.answers.begin() + static_cast<std::ptrdiff_t>(n));
    varying_.assign(n, false);
    std::vector<std::size_t> varied;
    for (std::size_t k = 0; k < n; ++k)
      if (!same_answer(first.x.answers[k], second.x.answers[k])) {
        varying_[k] = true;
        varied.push_back(k);
      }
    Text sizes = tr("{} bytes", 0);
    {
      std::size_t smallest = messages_.front().size(), largest = smallest;
      for (const auto& m : messages_) {
        smallest = std::min(smallest, m.size());
        largest = std::max(largest, m.size());
      }
      sizes = smallest == largest ? speak::byte_count(smallest) : tr("{} to {} bytes", smallest, largest);
    }
    Text how = protocol_.connection_per_message ? tr("each on a connection of its own") : tr("each in one write");
    report_.reference.push_back(
        n == 1 ? (builtin_ ? tr("{} built-in message of {}, {}, each answer awaited: {} answer, the same twice.", n,
                                sizes, how, n)
                           : tr("{} message of {}, {}, each answer awaited: {} answer, the same twice.", n, sizes, how, n))
        : builtin_ ? tr("{} built-in messages of {}, {}, each answer awaited: {} answers, the same twice.", n, sizes,
                        how, n)
                   : tr("{} messages of {}, {}, each answer awaited: {} answers, the same twice.", n, sizes, how, n));
    if (!varied.empty()) {
      report_.reference.back() = varied.size() == 1
                                     ? tr("{} messages of {}, {}: answer {} differed between the two uncut runs.", n,
                                          sizes, how, varied[0] + 1)
                                     : tr("{} messages of {}, {}: {} answers differed between the two uncut runs.", n,
                                          sizes, how, varied.size());
      report_.notes.push_back(tr("An answer that differs between two uncut runs is no evidence: only that it comes, "
                                 "whole, is checked. --ignore REGEX leaves out the lines that vary."));
      if (varied.size() == n && expected_.empty())
        return cannot_tell(tr("Every answer differed between two uncut runs: nothing it says is the same twice."),
                           {tr("If parts of its answers vary by design (a time, a count), leave those lines out "
                               "with --ignore REGEX.")},
                           false);
    }
    if (protocol_.greeting > 0)
      report_.notes.push_back(tr("The program speaks first: {} frame(s) came on each connection before any request "
                                 "(its greeting; --greeting {}). Each run waits for them.",
                                 protocol_.greeting, protocol_.greeting));
    if (port_note_) report_.notes.push_back(*port_note_);

    // Expected answers: from a file, or from a reference server.
    if (!o_.expect_peer.empty() && expected_.empty() && !expected_from_peer()) return false;
    if (!expected_.empty()) {
      for (std::size_t k = 0; k < n; ++k) {
        if (answers_as_expected(reference_[k], expected_[k])) continue;
        wrong_uncut(k);
        return false;
      }
      report_.correct = true;
    }

    double slowest = 0;
    for (const Exchange* x : {&first.x, &second.x})
      for (double ms : x->latency_ms) slowest = std::max(slowest, ms);
    timing_.answer_timeout = Millis(std::clamp<std::int64_t>(static_cast<std::int64_t>(4 * slowest) + 200, 300, o_.timeout_ms));
    // How long a piece may wait for the program to read it. Generous: a busy machine can
    // keep a program from running for tens of ms, and a piece sent before it read the last
    // one arrives glued to it, which is not the cut planned (nor the same report next time).
    timing_.read_wait = Millis(std::clamp<std::int64_t>(static_cast<std::int64_t>(10 * slowest) + 100, 100, 1000));
    if (!first.x.watched_reads)
      report_.notes.push_back(
          tr("The program's reads could not be watched (not on this machine?): pieces were sent 3 ms apart."));
    check_ = [this](std::size_t k, std::string_view answer) {
      return k >= reference_.size() || varying_[k] || same_answer(answer, reference_[k]);
    };
    return true;
  }

  bool expected_from_peer() {
    sticky::Address peer;
    try {
      peer = sticky::Address::parse(o_.expect_peer);
    } catch (const std::exception& e) {
      throw UsageError(tr("--expect-peer: {}", speak::localized(e.what())).english);
    }
    Timing timing;
    timing.answer_timeout = Millis(o_.timeout_ms);
    timing.read_wait = Millis(1000);
    Protocol protocol = protocol_;
    auto x = converse([&] { return peer; }, protocol, stream_, layout_, layout_.boundaries(), nullptr, timing);
    if (!x.ok())
      return cannot_tell(tr("The reference server {} (--expect-peer) did not answer every message: {}.",
                            o_.expect_peer, speak::localized(x.summary())),
                         {}, false);
    expected_.assign(x.answers.begin(), x.answers.begin() + static_cast<std::ptrdiff_t>(messages_.size()));
    report_.reference.push_back(tr("the reference server {} answered every message: its answers are the expected ones.",
                                   o_.expect_peer));
    return true;
  }

  // Even uncut, answer k is not the expected one: not a framing bug, a wrong answer.
  void wrong_uncut(std::size_t k) {
    report_.verdict = Verdict::broken;
    Finding f;
    f.uncut = true;
    f.steps.push_back(tr("Sent whole, message {} {}: the program answered {}; the expected answer is {}.", k + 1,
                         quote(messages_[k]), quote(reference_[k]), quote(expected_[k])));
    if (k > 0)
      f.steps.insert(f.steps.begin(), k == 1 ? tr("Answer 1 is the expected one.")
                                             : tr("Answers 1-{} are the expected ones.", k));
    report_.finding = std::move(f);
  }

  // --------------------------------------------------------------------------- verdicts

  bool cannot_tell(const Text& why, std::vector<Text> hints, bool reference) {
    report_.verdict = Verdict::cannot_tell;
    report_.reference_failed = reference;
    report_.cannot_tell = why;
    report_.hints = std::move(hints);
    return false;
  }

  // The uncut conversation failed: say how, the program's own error first.
  bool reference_failed(const Run& r, bool second) {
    const Exchange& x = r.x;
    const std::size_t k = x.message;
    using End = Exchange::End;
    if (r.inconclusive || x.end == End::cannot_connect) {
      return cannot_tell(x.end == End::cannot_connect ? tr("Could not connect: {}.", speak::localized(x.detail))
                                                      : tr("The program took no connection: every try was refused "
                                                           "or closed before it read a byte."),
                         {}, true);
    }
    Text how;
    switch (x.end) {
      case End::timeout:
        how = x.detail.empty() ? tr("got no answer within {} ms", o_.timeout_ms)
                               : tr("got no answer within {} ms ({})", o_.timeout_ms, speak::localized(x.detail));
        break;
      case End::closed:
      case End::reset: how = tr("made the program close the connection instead of answering"); break;
      case End::bad_frame: how = tr("got an answer that cannot be framed: {}", speak::localized(x.detail)); break;
      default: how = speak::localized(x.summary()); break;
    }
    Text what = tr("Sent whole, {}, message {} {} {}.",
                   protocol_.connection_per_message ? tr("on a connection of its own") : tr("in one write"), k + 1,
                   k < messages_.size() ? quote(messages_[k]) : speak::same(""), how);
    if (second) what = speak::plus(tr("The second uncut run failed where the first passed: "), what);
    std::vector<Text> hints;
    // The program's own error first.
    if (r.exit && r.exit->status != 0) hints.push_back(tr("{}.", r.exit->text));
    else if (auto last = last_line(server_->err()); !last.empty()) hints.push_back(tr("Its stderr ends: {}", last));
    std::string said = r.exit ? r.exit->last_words : last_line(server_->err());
    bool says_text = said.find("UnicodeDecodeError") != std::string::npos;

    if (x.end == End::bad_frame) {
      hints.push_back(tr("Its answers are not framed as {}: they begin {}. If they are framed otherwise, say how "
                         "with --framing down:SPEC (line, delimiter:TEXT, length:N, fixed:N, json-header, close); a "
                         "framing none of these describes is beyond sticky-check, which then cannot tell.",
                         o_.framing.down.describe(), quote(x.pending.empty() ? x.detail : x.pending)));
    }
    if (k < messages_.size() && messages_[k].empty() && x.end == End::timeout && layout_.has_header()) {
      report_.diagnosis.mistakes.push_back(mistake(kEmptyBody, context_));
      hints.push_back(tr("Message {} is empty: a header saying 0 and no body. A program that calls recv() for the "
                         "body anyway waits for bytes that only the next message would bring.",
                         k + 1));
    }
    if (says_text) report_.diagnosis.mistakes.push_back(mistake(kDecodesPieces, context_));
    // A length read in the other byte order explains most reference failures of a
    // struct-prefix program: look at the header it sent back, or at ours it had to read.
    const sticky::LengthCodec* up = o_.framing.up.length();
    const sticky::LengthCodec* down = o_.framing.down.length();
    if (report_.diagnosis.empty() && down && x.pending.size() >= down->header_size()) {
      auto other = speak::other_byte_order(down->options(), x.pending);
      std::uint64_t after = x.pending.size() - down->header_size();
      if (other && (static_cast<std::uint64_t>(*other) == after ||
                    (k < messages_.size() && static_cast<std::uint64_t>(*other) == messages_[k].size()))) {
        report_.diagnosis.mistakes.push_back(mistake(kByteOrder, context_));
        hints.push_back(tr("Its answer's length field {} means {} as we read it, but {} in the other byte order, "
                           "which fits the {} bytes that followed.",
                           sticky::to_hex_spaced(x.pending.substr(down->options().offset,
                                                                  static_cast<std::size_t>(down->options().width))),
                           down->read_field(x.pending), *other, after));
      }
    }
    if (report_.diagnosis.empty() && up && k < messages_.size() && x.answers.size() == k && !says_text &&
        x.end != End::bad_frame) {
      std::string frame = up->encode(messages_[k]);
      auto other = speak::other_byte_order_value(up->options(), frame);
      if (other && *other != static_cast<std::int64_t>(messages_[k].size())) {
        Text field = speak::same(sticky::to_hex_spaced(
            std::string_view(frame).substr(up->options().offset, static_cast<std::size_t>(up->options().width))));
        // A guess is no diagnosis: the same messages with the lengths the other way round
        // tell whether that is how it reads them.
        if (answers_the_other_way()) {
          report_.diagnosis.mistakes.push_back(mistake(kByteOrder, context_));
          hints.push_back(tr("Message {}'s length field {} means {} as we wrote it, but {} in the other byte order; "
                             "framed the other way round, every message is answered: that is how it reads them.",
                             k + 1, field, messages_[k].size(), *other));
        } else {
          hints.push_back(tr("Framed with the lengths the other way round it does not answer either: it may not read "
                             "this framing at all. Say how it frames with --framing SPEC (line, delimiter:TEXT, "
                             "length:N, fixed:N, json-header); a framing none of these describes is beyond "
                             "sticky-check."));
        }
      }
    }
    return cannot_tell(what, std::move(hints), true);
  }

  // Whether the uncut conversation goes through with every length field in the other byte
  // order (both directions where they are length prefixes): the evidence for a wrong order.
  bool answers_the_other_way() {
    auto flip = [](const Framing& f) -> std::optional<Framing> {
      const sticky::LengthCodec* length = f.length();
      if (!length || length->options().width < 2) return std::nullopt;
      const auto& o = length->options();
      std::string spec = fmt::format("length:{}:{}{}", o.width, o.big_endian ? "little" : "big", o.is_signed ? ":signed" : "");
      return Framing::parse(spec);
    };
    auto up = flip(o_.framing.up);
    if (!up) return false;
    auto down = flip(o_.framing.down);
    Protocol protocol = protocol_;
    protocol.up = up->codec();
    if (down) protocol.down = down->codec();
    std::string stream;
    std::vector<std::string> frames;
    for (const auto& m : messages_) {
      frames.push_back(up->codec()->encode(m));
      stream += frames.back();
    }
    Layout layout = layout_of(*up->codec(), frames);
    Timing timing;
    timing.answer_timeout = Millis(o_.timeout_ms);
    timing.read_wait = Millis(1000);
    progress(tr("sticky-check: trying the other byte order"));
    try {
      auto x = converse(connector(), protocol, stream, layout, layout.boundaries(), nullptr, timing);
      server_->after_run(Millis(50));
      return x.ok();
    } catch (const std::exception&) {
      return false;
    }
  }

  // --------------------------------------------------------------------------- cut runs

  void explore() {
    auto plans = plan_cuts(layout_, *o_.seed, side_);
    plans_ = plans;
    report_.planned = plans.size();
    const std::size_t first = first_round(plans);
    std::optional<Text> stopped;
    for (std::size_t i = 0; i < plans.size(); ++i) {
      // Once it broke, only the first plan of each family is still worth running: enough to
      // tell which family breaks it, and the budget is better spent shrinking.
      if (!failures_.empty() && i >= first) break;
      // One cut of each kind is always tried, whatever the budget: less would prove nothing.
      if (Clock::now() >= deadline_ && i >= first) {
        report_.budget_ran_out = true;
        break;
      }
      progress(progress_line(i, plans.size(), plans[i].family, failures_.size()));
      Run r;
      try {
        r = attempt(layout_, stream_, plans[i].cuts, timing_, &check_);
      } catch (const GoneAway& gone) {
        stopped = gone.text;
        break;
      }
      ++report_.tried;
      auto& tally = report_.tallies[plans[i].family];
      ++tally.runs;
      if (r.inconclusive) {
        ++tally.inconclusive;
        ++report_.inconclusive;
      } else if (!r.x.ok()) {
        ++tally.failed;
        failures_.push_back({i, std::move(r)});
      }
    }
    if (failures_.empty()) {
      if (stopped) {
        cannot_tell(*stopped, {tr("{} of {} planned cuts were tried before that; none broke it.", report_.tried,
                                  report_.planned)},
                    false);
      } else if (report_.tried > 0 && report_.inconclusive == report_.tried) {
        cannot_tell(tr("No cut run was evidence: the program never took the connection, or read too slowly for "
                       "the pieces to stay apart."),
                    {}, false);
      } else if (report_.tried < first) {
        cannot_tell(tr("The budget ran out after {} cuts, before one cut of each of the {} kinds was tried: too "
                       "little to pass it.",
                       report_.tried, first),
                    {tr("Give it more time with --budget SECONDS.")}, false);
      } else {
        passed();
      }
      return;
    }
    report_.verdict = Verdict::broken;
    try {
      probe();
      shrink_and_tell();
    } catch (const GoneAway& gone) {
      report_.notes.push_back(gone.text);
      if (!report_.finding) tell_first_failure();
    }
  }

  void passed() {
    report_.verdict = Verdict::passed;
    Text cuts = report_.tried == 1 ? tr("1 cut") : tr("{} cuts", report_.tried - report_.inconclusive);
    if (report_.correct)
      report_.proves = tr("correct, and the same however the stream is cut: its uncut answers are the expected ones, "
                          "and under {} of the requests every answer was the same.",
                          cuts);
    else
      report_.proves = tr("the same however the stream is cut: under {} of the requests every answer equaled the "
                          "uncut run's. That proves its framing, not its answers: --expect FILE or --expect-peer "
                          "HOST:PORT checks those too.",
                          cuts);
    if (report_.inconclusive)
      report_.notes.push_back(tr("{} cut run(s) were no evidence (the program was not there for them) and are not "
                                 "counted.",
                                 report_.inconclusive));
  }

  // The probes: the smallest cuts of the first messages that tell the mistakes apart.
  void probe() {
    report_.probes = plan_probes(layout_, side_);
    std::string said;
    for (auto& p : report_.probes) {
      if (Clock::now() >= deadline_ + std::chrono::seconds(2)) break;
      progress(tr("sticky-check: probing: {}", probe_text(p.name)));
      Layout prefix = layout_;
      prefix.frames.resize(p.messages);
      std::string stream = stream_.substr(0, prefix.total());
      Timing timing = timing_;
      timing.read_wait = std::max(timing.read_wait, Millis(500));
      auto r = attempt(prefix, stream, p.cuts, timing, &check_);
      if (r.inconclusive) continue;
      p.broke = !r.x.ok();
      if (*p.broke && r.exit) p.error = r.exit->last_words;
    }
  }

  void shrink_and_tell() {
    const Failure* start = &failures_.front();
    for (const auto& f : failures_)
      if (shrink_first(plans_[f.plan], plans_[start->plan])) start = &f;
    const Cuts& original = plans_[start->plan].cuts;
    std::map<Cuts, Run> runs{{original, start->run}};
    int replays = 0;
    auto fails = [&](const Cuts& cuts) {
      ++replays;
      progress(tr("sticky-check: shrinking the cut: {} replays, {} cuts now", replays, cuts.size()));
      auto r = attempt(layout_, stream_, cuts, timing_, &check_);
      bool failed = !r.inconclusive && !r.x.ok();
      runs.insert_or_assign(cuts, std::move(r));
      return failed;
    };
    // One connection per message never sends them unglued: cutting nothing is the reference.
    auto guarded = [&](const Cuts& cuts) {
      if (side_ == Side::requests_apart) {
        Cuts with = cuts;
        for (auto b : layout_.boundaries()) with.push_back(b);
        std::sort(with.begin(), with.end());
        with.erase(std::unique(with.begin(), with.end()), with.end());
        if (with == layout_.boundaries()) return false;
      }
      return fails(cuts);
    };
    auto shrunk = shrink(original, guarded, [&] { return Clock::now() < deadline_ + std::chrono::seconds(2); });
    Finding f;
    f.cuts = shrunk.cuts;
    f.found_by = plans_[start->plan].label;
    f.found_by_text = speak::localized(f.found_by);
    f.shrunk_from = original.size();
    f.replays = shrunk.replays;
    f.minimal = shrunk.minimal;
    const Run& r = runs.count(shrunk.cuts) ? runs.at(shrunk.cuts) : start->run;
    diagnose_from(f.cuts, r);
    tell(f, r);
  }

  void diagnose_from(const Cuts& smallest, const Run& r) {
    Diagnosis d = diagnose(report_.probes, context_);
    if (d.empty()) d = diagnose_cut(layout_, smallest, side_, context_);
    std::string said;
    for (const auto& p : report_.probes)
      if (p.broke.value_or(false)) said += p.error + "\n";
    if (r.exit) said += r.exit->last_words;
    d = refine(d, said, context_);
    if (d.evidence.english.empty()) d.evidence = family_evidence(report_.tallies);
    report_.diagnosis = d;
  }

  void tell_first_failure() {
    const Failure& first = failures_.front();
    Finding f;
    f.cuts = plans_[first.plan].cuts;
    f.found_by = plans_[first.plan].label;
    f.found_by_text = speak::localized(f.found_by);
    diagnose_from(f.cuts, first.run);
    tell(f, first.run);
  }

  void replay(const Cuts& cuts) {
    report_.planned = report_.tried = 1;
    report_.reference.push_back(tr("replaying cuts {} only.", format_cuts(cuts)));
    Run r;
    try {
      r = attempt(layout_, stream_, cuts, timing_, &check_);
    } catch (const GoneAway& gone) {
      cannot_tell(gone.text, {}, false);
      return;
    }
    if (r.inconclusive) {
      cannot_tell(tr("The replayed cut was no evidence: the program never took the connection."), {}, false);
      return;
    }
    if (r.x.ok()) {
      report_.verdict = Verdict::passed;
      report_.proves = tr("this cut gives the uncut run's answers.");
      return;
    }
    report_.verdict = Verdict::broken;
    Finding f;
    f.cuts = cuts;
    f.replayed = true;
    tell(f, r);
  }

  void tell(Finding& f, const Run& r) {
    const Exchange& x = r.x;
    Cuts shown = f.cuts;
    f.apart = side_ == Side::requests_apart;
    if (f.apart) {  // each message on its own connection: apart anyway
      Cuts boundaries = layout_.boundaries();
      shown.insert(shown.end(), boundaries.begin(), boundaries.end());
      std::sort(shown.begin(), shown.end());
      shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
    }
    f.pieces = piece_lines(layout_, stream_, shown);
    std::size_t k = x.message;
    if (k > 0)
      f.steps.push_back(k == 1 ? tr("Answer 1 equals the uncut run's.") : tr("Answers 1-{} equal the uncut run's.", k));
    Text asked = k < messages_.size() ? tr("Message {} {}: ", k + 1, quote(messages_[k])) : speak::same("");
    Text expected = k < reference_.size() ? quote(reference_[k]) : tr("nothing");
    Text detail = speak::localized(x.detail);
    using End = Exchange::End;
    auto step = [&](const Text& text) { f.steps.push_back(speak::plus(asked, text)); };
    switch (x.end) {
      case End::mismatch: {
        // Where two long answers part, both are shown from a little before it.
        const std::string& got = x.answers[k];
        const std::string want = k < reference_.size() ? reference_[k] : std::string();
        std::size_t same = 0;
        while (same < got.size() && same < want.size() && got[same] == want[same]) ++same;
        std::size_t from = same > 16 ? same - 8 : 0;
        step(tr("the program answered {}; the uncut run's answer was {}.", quote_from(got, from),
                k < reference_.size() ? quote_from(want, from) : expected));
        break;
      }
      case End::timeout:
        step(x.detail.empty() ? tr("no answer came; the uncut run's answer was {}.", expected)
                              : tr("no answer came ({}); the uncut run's answer was {}.", detail, expected));
        break;
      case End::closed:
      case End::reset:
        // Closed or reset is the same story: a reset only says unread bytes were left when
        // it closed, which depends on timing.
        step(tr("the program closed the connection instead of answering; the uncut run's answer was {}.", expected));
        break;
      case End::bad_frame:
        step(tr("the answer cannot be framed ({}); the uncut run's answer was {}.", detail, expected));
        break;
      case End::cannot_connect: f.steps.push_back(tr("Could not connect: {}", detail)); break;
      case End::complete: break;
    }
    if (x.answers.size() > k + 1) {
      std::size_t more = x.answers.size() - k - 1;
      f.steps.push_back(more == 1 ? tr("Then {} more answer, the first {}.", more, quote(x.answers[k + 1]))
                                  : tr("Then {} more answers, the first {}.", more, quote(x.answers[k + 1])));
    }
    if (!x.pending.empty())
      f.steps.push_back(x.pending.size() == 1
                            ? tr("Then {} byte that make no whole answer: {}.", x.pending.size(), quote(x.pending))
                            : tr("Then {} bytes that make no whole answer: {}.", x.pending.size(), quote(x.pending)));
    if (r.exit) f.steps.push_back(tr("{}.", r.exit->text));
    f.replay = replay_check(o_, f.cuts);
    report_.finding = std::move(f);
  }

  void finish(Clock::time_point started) {
    if (server_ && server_->started_by_us()) {
      int clean = server_->clean_exits(), deaths = server_->deaths();
      if (clean > 0 && deaths == 0)
        report_.notes.push_back(clean == 1 ? tr("The program exited by itself after serving (exit status 0), once; "
                                                "it was started again for the next run.")
                                           : tr("The program exited by itself after serving (exit status 0), {} "
                                                "times, a one-shot server; it was started again for each run.",
                                                clean));
      else if (deaths > 0)
        report_.notes.push_back(deaths == 1 ? tr("The program died {} time and was started again each time.", deaths)
                                            : tr("The program died {} times and was started again each time.", deaths));
      server_->stop();
    }
    if (retries_ > 0)
      report_.notes.push_back(retries_ == 1
                                  ? tr("{} run was tried again: the program was not there for it (between two lives), "
                                       "or read too slowly for its pieces to stay apart; that is no evidence.",
                                       retries_)
                                  : tr("{} runs were tried again: the program was not there for them (between two "
                                       "lives), or read too slowly for their pieces to stay apart; that is no evidence.",
                                       retries_));
    report_.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  }

  const Options& o_;
  Clock::time_point deadline_;
  Protocol protocol_;
  Side side_ = Side::requests;
  std::vector<std::string> messages_, expected_, reference_;
  std::vector<bool> varying_;
  bool builtin_ = false;
  std::string stream_;
  Layout layout_;
  MistakeContext context_;
  Comparison ignoring_;
  std::vector<std::string> command_;
  sticky::Address address_;
  bool find_port_ = false;
  std::optional<Text> port_note_;
  std::unique_ptr<ServerProcess> server_;
  Timing timing_;
  AnswerCheck check_;
  std::vector<Plan> plans_;
  std::vector<Failure> failures_;
  int retries_ = 0;
  Report report_;
};

}  // namespace

Report check_server(const Options& options) {
  ServerCheck check(options);
  return check.run();
}

}  // namespace check
