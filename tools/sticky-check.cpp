// sticky-check — prove your framing. The same conversation once whole, then cut in every way
// that matters: header split, header and body apart, body split, 1-byte pieces, messages
// glued together (粘包), all in one write, seeded random cuts. Whatever differs from the
// whole run is a framing bug; the failing cut is shrunk and its story told.
//
//   sticky-check server --port 9000 -- python3 server.py 9000     the program is the server
//   sticky-check server --connect 127.0.0.1:9000                  a server already running
//   sticky-check client --listen 9100 --upstream :9005 -- python3 client.py 9100
//
// Exit status: 0 nothing broke it, 1 a cut broke it, 2 a usage error, 3 the reference run
// (nothing cut) failed. The pieces of the cut and the shrinking live in tools/check/.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "check/client_run.hpp"
#include "check/conversation.hpp"
#include "check/cuts.hpp"
#include "check/program.hpp"
#include "check/report.hpp"
#include "speak/narrator.hpp"
#include "speak/text.hpp"
#include "speak/command_line.hpp"
#include "sticky/bytes.hpp"
#include "sticky/error.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using check::Cuts;
using speak::Text;
using speak::tr;
using check::Family;
using sticky::Millis;

const char* const kProgram = "sticky-check";

// A usage error found after parsing: one line, the hint, exit 2.
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct Options {
  std::string mode;
  sticky::CodecSpec codec;
  std::optional<std::uint64_t> seed;
  double budget = 20;
  bool json = false;
  bool no_color = false;
  std::optional<std::string> replay_cuts;
  std::vector<std::string> command;
  // server
  std::optional<int> port;
  std::string connect;
  std::vector<std::string> messages;
  std::string messages_file;
  int timeout_ms = 2000;
  // client
  int listen = 0;
  std::string upstream;
  int pace_us = 3000;
};

// ------------------------------------------------------------------------------ progress

// One line on stderr, rewritten in place, only when stderr is a terminal.
class Progress {
 public:
  Progress() : on_(::isatty(2)) {}
  ~Progress() { clear(); }
  void show(const Text& text) {
    if (!on_) return;
    std::string line;
    for (std::size_t i = 0; i < text.local.size();) {  // whole characters, in 79 columns
      std::size_t n = 1;
      while (i + n < text.local.size() && (static_cast<unsigned char>(text.local[i + n]) & 0xc0) == 0x80) ++n;
      std::string next = line + text.local.substr(i, n);
      if (speak::display_width(next) > 79) break;
      line = std::move(next);
      i += n;
    }
    fmt::print(stderr, "\r\033[K{}", line);
    std::fflush(stderr);
    shown_ = true;
  }
  void clear() {
    if (on_ && shown_) fmt::print(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  bool on_;
  bool shown_ = false;
};

// ------------------------------------------------------------------------------ messages

std::vector<std::string> builtin_messages() {
  std::string long_text, huge_text;
  for (int i = 0; long_text.size() < 1500; ++i) long_text += std::to_string(i) + " ";
  long_text.resize(1500);
  for (int i = 0; huge_text.size() < 70000; ++i) huge_text += "sticky packets " + std::to_string(i) + " ";
  huge_text.resize(70000);
  // The first is short and not empty, so a wrong byte order shows at once; then the
  // empty message, one byte, the classic words, more than recv(1024), more than 64 KiB.
  return {"hello", "", "x", "hello world egon", long_text, huge_text};
}

std::vector<std::string> read_messages(const Options& o, const sticky::Codec& codec, bool& builtin) {
  std::vector<std::string> messages = o.messages;
  if (!o.messages_file.empty()) {
    std::ifstream in(o.messages_file, std::ios::binary);
    if (!in) throw UsageError(tr("--messages: cannot read {}", o.messages_file).english);
    std::string line;
    while (std::getline(in, line)) messages.push_back(line);
  }
  builtin = messages.empty();
  if (!builtin) return messages;
  // Built-in messages that this codec cannot carry (a delimiter inside, too long for a
  // fixed size) are left out.
  for (auto& m : builtin_messages()) {
    try {
      codec.encode(m);
      messages.push_back(m);
    } catch (const std::invalid_argument&) {
    }
  }
  if (messages.empty()) throw UsageError(tr("no built-in message fits this codec; give some with --message").english);
  return messages;
}

// ------------------------------------------------------------------------------ helpers

std::string sibling(const char* argv0, const std::string& name) {
  std::error_code error;
  auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return name;
  auto path = self.parent_path() / name;
  auto relative = std::filesystem::relative(path, std::filesystem::current_path(), error);
  if (!error && !relative.empty() && relative.native().rfind("..", 0) != 0) return relative.string();
  (void)argv0;
  return path.string();
}

// The command line that replays `cuts`: the user's own, less what does not matter for one
// replay (--seed, --budget, --json), plus --replay-cuts.
std::string replay_command(int argc, char** argv, const Cuts& cuts) {
  std::vector<std::string> out{argv[0]};
  std::vector<std::string> program;
  const std::vector<std::string> drop_with_value{"--seed", "--budget", "--replay-cuts"};
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;
    if (a == "--json") continue;
    bool dropped = false;
    for (const auto& d : drop_with_value) {
      if (a == d) {
        ++i;
        dropped = true;
      } else if (a.rfind(d + "=", 0) == 0) {
        dropped = true;
      }
    }
    if (!dropped) out.push_back(a);
  }
  out.push_back("--replay-cuts");
  out.push_back(check::format_cuts(cuts));
  for (; i < argc; ++i) out.push_back(argv[i]);
  return check::shell_join(out);
}

std::vector<check::PieceLine> piece_lines(const check::Layout& layout, std::string_view stream, const Cuts& cuts) {
  std::vector<check::PieceLine> lines;
  for (auto [begin, end] : check::pieces(cuts, stream.size()))
    lines.push_back({begin, end, std::string(stream.substr(begin, std::min<std::uint64_t>(16, end - begin))),
                     check::describe_span(layout, begin, end)});
  return lines;
}

std::string hex_spaced(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) out += fmt::format("{}{:02x}", i ? " " : "", static_cast<unsigned char>(bytes[i]));
  return out;
}

// What a length field of `header` means read the other way round; used to explain a
// reference run that failed. Nothing when the codec is no length prefix or the two agree.
struct OtherReading {
  std::string field_hex;
  std::uint64_t ours = 0, other = 0;
  Text ours_name, other_name;
};
std::optional<OtherReading> other_byte_order(const sticky::Codec& codec, std::string_view header) {
  const auto* length = dynamic_cast<const sticky::LengthCodec*>(&codec);
  if (!length || header.size() < length->header_size()) return std::nullopt;
  const auto& o = length->options();
  if (o.width < 2) return std::nullopt;
  std::string_view field = header.substr(o.offset, static_cast<std::size_t>(o.width));
  std::uint64_t big = 0, little = 0;
  for (std::size_t i = 0; i < field.size(); ++i) {
    big = (big << 8) | static_cast<unsigned char>(field[i]);
    little |= static_cast<std::uint64_t>(static_cast<unsigned char>(field[i])) << (8 * i);
  }
  OtherReading r;
  r.field_hex = hex_spaced(field);
  r.ours = o.big_endian ? big : little;
  r.other = o.big_endian ? little : big;
  r.ours_name = o.big_endian ? tr("big endian (struct.pack('!I'))") : tr("little endian (struct.pack('i'))");
  r.other_name = o.big_endian ? tr("little endian (struct.unpack('i'))") : tr("big endian (struct.unpack('!I'))");
  if (r.ours == r.other) return std::nullopt;
  return r;
}

Text try_instead(const sticky::Codec& codec) {
  const auto* length = dynamic_cast<const sticky::LengthCodec*>(&codec);
  if (!length) return {};
  return length->options().big_endian ? tr(" If the program means Python's struct.pack('i'), check it with --python-i.")
                                      : tr(" If the program means struct.pack('!I'), check it with --endian big.");
}

// Which failing plan to shrink: a named family before random cuts (its story reads
// better: "each header cut after byte 2"), then the one with fewer cuts.
bool shrink_first(const check::Plan& a, const check::Plan& b) {
  bool ra = a.family == Family::random, rb = b.family == Family::random;
  if (ra != rb) return rb;
  return a.cuts.size() < b.cuts.size();
}

// "sticky-check: cut 3 of 37: header split  (1 broke it)"
Text progress_line(std::size_t i, std::size_t planned, Family family, std::size_t broke) {
  Text line = tr("sticky-check: cut {} of {}: {}", i + 1, planned, check::family_text(family));
  return broke ? speak::plus(line, tr("  ({} broke it)", broke)) : line;
}

// ------------------------------------------------------------------------------ server mode

struct ServerFailure {
  std::size_t plan;
  check::Exchange exchange;
  std::optional<std::string> death;
};

class ServerCheck {
 public:
  ServerCheck(const Options& o, int argc, char** argv) : o_(o), argc_(argc), argv_(argv) {}

  check::Report run() {
    auto started = Clock::now();
    deadline_ = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.budget));
    codec_ = make_codec_or_usage(o_.codec);
    bool builtin = false;
    messages_ = read_messages(o_, *codec_, builtin);
    for (std::size_t i = 0; i < messages_.size(); ++i) {
      try {
        frames_.push_back(codec_->encode(messages_[i]));
      } catch (const std::invalid_argument& e) {
        throw UsageError(tr("message {} cannot be framed: {}", i + 1, speak::localized(e.what())).english);
      }
      stream_ += frames_.back();
    }
    layout_ = check::layout_of(*codec_, frames_);
    if (!o_.port && o_.connect.empty())
      throw UsageError(tr("server mode needs --port P (where the program listens) or --connect HOST:PORT").english);
    try {
      target_ = o_.connect.empty() ? sticky::Address::ip("127.0.0.1", static_cast<std::uint16_t>(*o_.port))
                                   : sticky::Address::parse(o_.connect);
    } catch (const std::exception& e) {
      throw UsageError(tr("--connect: {}", speak::localized(e.what())).english);
    }

    report_.mode = "server";
    report_.target = target_.to_string();
    report_.program = check::shell_join(o_.command);
    report_.codec = codec_->describe();
    report_.seed = *o_.seed;
    std::size_t smallest = messages_.front().size(), largest = smallest;
    for (const auto& m : messages_) {
      smallest = std::min(smallest, m.size());
      largest = std::max(largest, m.size());
    }
    Text sizes = smallest == largest ? tr("{} bytes", smallest) : tr("{} to {} bytes", smallest, largest);

    if (!o_.command.empty()) {
      if (listening_now()) {
        return reference_failed(tr("Something already listens on {} before the program started.", report_.target).english,
                                {tr("Stop it, or give the program and --port another port.").english});
      }
      if (auto error = start_program()) return reference_failed(*error, {});
    } else if (!check::accepts(target_)) {
      return reference_failed(tr("Nothing accepts connections at {}.", report_.target).english,
                              {tr("Start the server first, or give its command after --.").english});
    }

    // The reference: one write per message, each answer awaited.
    check::Timing reference_timing;
    reference_timing.answer_timeout = Millis(o_.timeout_ms);
    progress_.show(tr("sticky-check: reference run"));
    auto reference = check::converse(target_, *codec_, stream_, layout_, layout_.boundaries(), nullptr, reference_timing);
    auto death = after_run(reference);
    if (!reference.ok()) return reference_failed_run(reference, death);
    reference_.assign(reference.answers.begin(), reference.answers.begin() + static_cast<std::ptrdiff_t>(messages_.size()));
    std::size_t n = messages_.size();
    report_.reference.push_back(
        (n == 1 ? builtin ? tr("{} built-in message of {}, each in one write, each answer awaited: {} answer.", n, sizes, n)
                          : tr("{} message of {}, each in one write, each answer awaited: {} answer.", n, sizes, n)
         : builtin ? tr("{} built-in messages of {}, each in one write, each answer awaited: {} answers.", n, sizes, n)
                   : tr("{} messages of {}, each in one write, each answer awaited: {} answers.", n, sizes, n))
            .english);
    double slowest = 0;
    for (double ms : reference.latency_ms) slowest = std::max(slowest, ms);
    timing_.answer_timeout = Millis(std::clamp<std::int64_t>(static_cast<std::int64_t>(4 * slowest) + 200, 300, o_.timeout_ms));
    // How long a piece may wait for the program to read it. Generous: a busy machine can
    // keep a program from running for tens of ms, and a piece sent before it read the last
    // one arrives glued to it, which is not the cut planned (nor the same report next time).
    timing_.read_wait = Millis(std::clamp<std::int64_t>(static_cast<std::int64_t>(10 * slowest) + 100, 100, 1000));
    if (!reference.watched_reads)
      report_.notes.push_back(
          tr("The program's reads could not be watched (not on this machine?): pieces were sent 3 ms apart.").english);

    if (o_.replay_cuts) {
      replay(check::parse_cuts(*o_.replay_cuts));
    } else {
      explore();
      shrink_and_tell();
    }
    finish(started);
    return report_;
  }

 private:
  static std::unique_ptr<sticky::Codec> make_codec_or_usage(const sticky::CodecSpec& spec) {
    try {
      return sticky::make_codec(spec);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }

  bool listening_now() const {
    if (auto l = check::listening(target_.port())) return *l;
    return check::accepts(target_);
  }

  // Starts the program and waits until it listens; the reason when it does not.
  std::optional<std::string> start_program() {
    try {
      program_ = std::make_unique<check::Program>(o_.command);
    } catch (const std::exception& e) {
      return speak::localized(e.what()).english;
    }
    auto limit = std::min(deadline_, Clock::now() + std::chrono::seconds(10));
    for (;;) {
      if (auto status = program_->wait_exit(Millis(0))) {
        std::string err = program_->err();
        Text text = tr("The program ended ({0}) before it listened on {1}.",
                       speak::localized(check::describe_status(*status)), report_.target);
        if (auto last = check::last_line(err); !last.empty()) text = speak::plus(text, tr(" It said: {}", last));
        return text.english;
      }
      if (listening_now()) return std::nullopt;
      if (Clock::now() > limit)
        return tr("The program did not listen on {} within {} s: does it use that port?", report_.target,
                  std::chrono::duration_cast<std::chrono::seconds>(limit - Clock::now()).count() + 10)
            .english;
      ::usleep(10000);
    }
  }

  // After a run: did the program die? (It is restarted before the next run.)
  std::optional<std::string> after_run(const check::Exchange& x) {
    if (!program_) return std::nullopt;
    bool suspicious = x.end == check::Exchange::End::closed || x.end == check::Exchange::End::reset;
    auto status = program_->wait_exit(Millis(suspicious ? 50 : 0));
    if (!status) return std::nullopt;
    ++deaths_;
    Text text = tr("The program died ({})", speak::localized(check::describe_status(*status)));
    if (auto last = check::last_line(program_->err()); !last.empty()) text = tr("{}: {}", text, last);
    return text.english;
  }

  bool ensure_running() {
    if (!program_ || !program_->wait_exit(Millis(0))) return true;
    if (auto error = start_program()) {
      report_.notes.push_back(tr("The program could not be started again: {}", speak::localized(*error)).english);
      return false;
    }
    return true;
  }

  check::Exchange attempt(const Cuts& cuts, std::optional<std::string>& death) {
    auto x = check::converse(target_, *codec_, stream_, layout_, cuts, &reference_, timing_);
    death = after_run(x);
    return x;
  }

  void explore() {
    auto plans = check::plan_cuts(layout_, *o_.seed, check::Side::requests);
    plans_ = plans;
    report_.planned = plans.size();
    std::size_t first_round = 0;
    {
      std::vector<Family> seen;
      for (const auto& p : plans)
        if (std::find(seen.begin(), seen.end(), p.family) == seen.end()) seen.push_back(p.family);
      first_round = seen.size();
    }
    for (std::size_t i = 0; i < plans.size(); ++i) {
      // Once it broke, only the first plan of each family is still worth running: enough to
      // tell which family breaks it, and the budget is better spent shrinking.
      if (!failures_.empty() && i >= first_round) break;
      if (Clock::now() >= deadline_) {
        report_.budget_ran_out = true;
        break;
      }
      if (!ensure_running()) break;
      progress_.show(progress_line(i, plans.size(), plans[i].family, failures_.size()));
      std::optional<std::string> death;
      auto x = attempt(plans[i].cuts, death);
      ++report_.tried;
      auto& tally = report_.tallies[plans[i].family];
      ++tally.runs;
      if (!x.ok()) {
        ++tally.failed;
        failures_.push_back({i, std::move(x), death});
      }
    }
    report_.diagnosis = check::diagnose(report_.tallies, layout_.has_header());
  }

  void shrink_and_tell() {
    if (failures_.empty()) {
      report_.status = 0;
      return;
    }
    report_.status = 1;
    const ServerFailure* start = &failures_.front();
    for (const auto& f : failures_)
      if (shrink_first(plans_[f.plan], plans_[start->plan])) start = &f;
    const Cuts& original = plans_[start->plan].cuts;
    std::map<Cuts, std::pair<check::Exchange, std::optional<std::string>>> runs;
    runs.emplace(original, std::make_pair(start->exchange, start->death));
    int replays = 0;
    auto fails = [&](const Cuts& cuts) {
      ++replays;
      progress_.show(tr("sticky-check: shrinking the cut: {} replays, {} cuts now", replays, cuts.size()));
      if (!ensure_running()) return false;
      std::optional<std::string> death;
      auto x = attempt(cuts, death);
      bool failed = !x.ok();
      runs.insert_or_assign(cuts, std::make_pair(std::move(x), death));
      return failed;
    };
    auto shrunk = check::shrink(original, fails, [&] { return Clock::now() < deadline_; });
    const auto& [x, death] = runs.at(shrunk.cuts);
    check::Finding f;
    f.cuts = shrunk.cuts;
    f.found_by = plans_[start->plan].label;
    f.shrunk_from = original.size();
    f.replays = shrunk.replays;
    f.minimal = shrunk.minimal;
    tell(f, x, death);
  }

  void replay(const Cuts& cuts) {
    report_.planned = 1;
    report_.tried = 1;
    ensure_running();
    std::optional<std::string> death;
    auto x = attempt(cuts, death);
    report_.status = x.ok() ? 0 : 1;
    report_.reference.push_back(tr("replaying cuts {} only.", check::format_cuts(cuts)).english);
    if (x.ok()) return;
    check::Finding f;
    f.cuts = cuts;
    f.replayed = true;
    tell(f, x, death);
  }

  void tell(check::Finding& f, const check::Exchange& x, const std::optional<std::string>& death) {
    f.stream_name = "The requests";
    if (!f.replayed && death) report_.diagnosis = check::refine(report_.diagnosis, report_.tallies, *death);
    f.pieces = piece_lines(layout_, stream_, f.cuts);
    std::size_t k = x.message;
    if (k > 0)
      f.story.push_back(k == 1 ? tr("Answer 1 equals the reference's.").english
                               : tr("Answers 1-{} equal the reference's.", k).english);
    auto quote = [](std::string_view bytes) { return speak::localized(check::quote(bytes)); };
    Text asked = k < messages_.size() ? tr("Message {} {}: ", k + 1, quote(messages_[k])) : speak::same("");
    Text expected = k < reference_.size() ? quote(reference_[k]) : tr("nothing");
    Text detail = speak::localized(x.detail);
    using End = check::Exchange::End;
    auto story = [&](const Text& text) { f.story.push_back(speak::plus(asked, text).english); };
    switch (x.end) {
      case End::mismatch:
        story(tr("the program answered {}; the reference answer was {}.", quote(x.answers[k]), expected));
        break;
      case End::timeout:
        story(x.detail.empty() ? tr("no answer came; the reference answer was {}.", expected)
                               : tr("no answer came ({}); the reference answer was {}.", detail, expected));
        break;
      case End::closed:
      case End::reset:
        // Closed or reset is the same story: a reset only says unread bytes were left when
        // it closed, which depends on timing.
        story(tr("the program closed the connection instead of answering; the reference answer was {}.", expected));
        break;
      case End::bad_frame:
        story(tr("the answer cannot be framed ({}); the reference answer was {}.", detail, expected));
        break;
      case End::cannot_connect:
        f.story.push_back(tr("Could not connect: {}", detail).english);
        break;
      case End::complete:
        break;
    }
    if (x.answers.size() > k + 1) {
      std::size_t more = x.answers.size() - k - 1;
      f.story.push_back((more == 1 ? tr("Then {} more answer, the first {}.", more, quote(x.answers[k + 1]))
                                   : tr("Then {} more answers, the first {}.", more, quote(x.answers[k + 1])))
                            .english);
    }
    if (!x.pending.empty())
      f.story.push_back((x.pending.size() == 1
                             ? tr("Then {} byte that make no whole answer: {}.", x.pending.size(), quote(x.pending))
                             : tr("Then {} bytes that make no whole answer: {}.", x.pending.size(), quote(x.pending)))
                            .english);
    if (death) f.story.push_back(tr("{}.", speak::localized(*death)).english);
    f.replay = replay_command(argc_, argv_, f.cuts);
    report_.finding = std::move(f);
  }

  check::Report reference_failed(std::string what, std::vector<std::string> hints) {
    report_.status = 3;
    report_.reference_failure = std::move(what);
    report_.hints = std::move(hints);
    stop_program();
    return report_;
  }

  check::Report reference_failed_run(const check::Exchange& x, const std::optional<std::string>& death) {
    std::size_t k = x.message;
    std::string what;
    if (x.end == check::Exchange::End::cannot_connect) {
      what = tr("Could not connect: {}.", speak::localized(x.detail)).english;
    } else {
      Text how;
      using End = check::Exchange::End;
      switch (x.end) {
        case End::timeout: how = tr("got no answer within {} ms", o_.timeout_ms); break;
        case End::closed:
        case End::reset: how = tr("made the program close the connection instead of answering"); break;
        case End::bad_frame: how = tr("got an answer that cannot be framed: {}", speak::localized(x.detail)); break;
        default: how = speak::localized(x.summary()); break;
      }
      what = tr("Sent whole, in one write, message {} {} {}.", k + 1,
                k < messages_.size() ? speak::localized(check::quote(messages_[k])) : speak::same(""), how)
                 .english;
    }
    std::vector<std::string> hints;
    if (k < messages_.size() && messages_[k].empty() && x.end == check::Exchange::End::timeout && layout_.has_header())
      hints.push_back(tr("Message {} is empty: a header saying 0 and no body. A program that calls recv() for "
                         "the body anyway waits for bytes that only the next message would bring. Read the body "
                         "only when the length is not 0 (recv(0) is no read).", k + 1).english);
    // A length read in the other byte order explains most reference failures of a
    // struct-prefix program: look at the header it sent back, or at ours it had to read.
    if (x.pending.size() >= layout_.header && layout_.has_header()) {
      if (auto r = other_byte_order(*codec_, x.pending)) {
        std::uint64_t after = x.pending.size() - layout_.header;
        if (r->other == after || (k < messages_.size() && r->other == messages_[k].size()))
          hints.push_back(tr("Its answer's length field {} means {} in {}, but {} in {}, which fits the {} "
                             "bytes that followed. Most likely it {}.{}",
                             r->field_hex, r->ours, r->ours_name, r->other, r->other_name, after,
                             check::mistake_text(check::kByteOrder), try_instead(*codec_)).english);
      }
    }
    if (hints.empty() && k < frames_.size() && x.answers.size() == k && layout_.has_header()) {
      if (auto r = other_byte_order(*codec_, frames_[k])) {
        hints.push_back(tr("Message {}'s length field {} means {} in {}, but {} in {}: a program reading "
                           "it so {}. Most likely it {}.{}",
                           k + 1, r->field_hex, r->ours, r->ours_name, r->other, r->other_name,
                           x.end == check::Exchange::End::timeout ? tr("waits for bytes that never come")
                                                                  : tr("gives up on the connection"),
                           check::mistake_text(check::kByteOrder), try_instead(*codec_)).english);
      }
    }
    if (hints.empty() && x.end == check::Exchange::End::mismatch) {
      // Not possible in a reference run; kept for completeness.
    }
    if (death) hints.push_back(tr("{}.", speak::localized(*death)).english);
    else if (program_)
      if (auto last = check::last_line(program_->err()); !last.empty())
        hints.push_back(tr("Its stderr ends: {}", last).english);
    return reference_failed(what, hints);
  }

  void stop_program() {
    if (!program_) return;
    program_->stop();
    program_.reset();
  }

  void finish(Clock::time_point started) {
    if (deaths_ > 0)
      report_.notes.push_back((deaths_ == 1 ? tr("The program died {} time and was started again each time.", deaths_)
                                            : tr("The program died {} times and was started again each time.", deaths_))
                                  .english);
    stop_program();
    report_.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  }

  const Options& o_;
  int argc_;
  char** argv_;
  Clock::time_point deadline_;
  std::unique_ptr<sticky::Codec> codec_;
  std::vector<std::string> messages_, frames_, reference_;
  std::string stream_;
  check::Layout layout_;
  sticky::Address target_;
  std::unique_ptr<check::Program> program_;
  int deaths_ = 0;
  check::Timing timing_;
  std::vector<check::Plan> plans_;
  std::vector<ServerFailure> failures_;
  check::Report report_;
  Progress progress_;
};

// ------------------------------------------------------------------------------ client mode

struct ClientFailure {
  std::size_t plan;
  check::ClientRun run;
};

class ClientCheck {
 public:
  ClientCheck(const Options& o, const char* argv0) : o_(o), argv0_(argv0) {}

  check::Report run() {
    auto started = Clock::now();
    deadline_ = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.budget));
    try {
      codec_ = sticky::make_codec(o_.codec);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    try {
      upstream_ = sticky::Address::parse(o_.upstream);
    } catch (const std::exception& e) {
      throw UsageError(tr("--upstream: {}", speak::localized(e.what())).english);
    }
    listen_ = sticky::Address::ip("127.0.0.1", static_cast<std::uint16_t>(o_.listen));
    report_.mode = "client";
    report_.target = fmt::format("{} -> {}", listen_.to_string(), upstream_.to_string());
    report_.program = check::shell_join(o_.command);
    report_.codec = tr("{} (to find the answers' frames)", codec_->describe()).english;
    report_.seed = *o_.seed;
    limits_.pace = std::chrono::microseconds(o_.pace_us);

    if (!check::accepts(upstream_)) {
      report_.status = 3;
      report_.reference_failure = tr("Nothing accepts connections at {} (--upstream).", upstream_.to_string()).english;
      report_.hints.push_back(tr("Start the real server first.").english);
      return report_;
    }
    check::ClientLimits reference_limits = limits_;
    reference_limits.idle = Millis(5000);
    reference_limits.limit = std::chrono::duration_cast<Millis>(
        std::clamp<Clock::duration>(deadline_ - Clock::now(), std::chrono::seconds(1), std::chrono::seconds(30)));
    progress_.show(tr("sticky-check: reference run"));
    try {
      reference_ = check::run_client(o_.command, listen_, upstream_, std::nullopt, reference_limits);
    } catch (const std::exception& e) {
      report_.status = 3;
      report_.reference_failure = tr("{}.", speak::localized(e.what())).english;
      return report_;
    }
    if (auto failure = reference_failure()) {
      report_.status = 3;
      report_.reference_failure = *failure;
      return report_;
    }
    layout_ = check::layout_of_stream(*codec_, reference_.down);
    layout_.noun = "answer";
    std::uint64_t decoded = layout_.total();
    if (decoded < reference_.down.size()) {
      report_.notes.push_back(tr("The answers do not all decode as {}: {} of {} bytes do; the rest is cut as one message.",
                                 codec_->describe(), decoded, reference_.down.size())
                                  .english);
      layout_.frames.push_back({decoded, reference_.down.size() - decoded, 0, reference_.down.size() - decoded});
    }
    Text ending = speak::localized(reference_.ending());
    report_.reference.push_back(
        (layout_.frames.size() == 1
             ? tr("the program ran through an uncut relay: {} answer ({} bytes) came down, it printed {} bytes and "
                  "ended with {}.",
                  layout_.frames.size(), reference_.down.size(), reference_.out.size(), ending)
             : tr("the program ran through an uncut relay: {} answers ({} bytes) came down, it printed {} bytes and "
                  "ended with {}.",
                  layout_.frames.size(), reference_.down.size(), reference_.out.size(), ending))
            .english);
    if (reference_.connections > 1)
      report_.notes.push_back(tr("The program connected {} times; each connection's answers were cut alike, "
                                 "planned from the first.", reference_.connections).english);
    limits_.idle = Millis(std::clamp<std::int64_t>(static_cast<std::int64_t>(2 * reference_.elapsed_ms) + 300, 500, 5000));

    if (reference_.down.empty()) {
      report_.notes.push_back(tr("The server sent nothing back: there was nothing to cut.").english);
    } else if (o_.replay_cuts) {
      replay(check::parse_cuts(*o_.replay_cuts));
    } else {
      explore();
      shrink_and_tell();
    }
    report_.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    return report_;
  }

 private:
  std::optional<std::string> reference_failure() {
    const auto& r = reference_;
    std::optional<std::string> what;
    Text ending = speak::localized(r.ending());
    if (r.connections == 0)
      what = tr("The program never connected to {} ({}): does it use the port --listen gives?", listen_.to_string(),
                ending).english;
    else if (r.killed() || r.status != 0)
      what = tr("Through an uncut relay the program ended with {}.", ending).english;
    if (!what) return std::nullopt;
    if (auto last = check::last_line(r.err); !last.empty()) report_.hints.push_back(tr("It said: {}", last).english);
    auto layout = check::layout_of_stream(*codec_, r.down);
    if (!layout.frames.empty()) {
      if (auto o = other_byte_order(*codec_, r.down)) {
        report_.hints.push_back(tr("The first answer's length field {} means {} in {}, but {} in {}: a "
                                   "program unpacking it so {}. Most likely it {}.{}",
                                   o->field_hex, o->ours, o->ours_name, o->other, o->other_name,
                                   r.stuck ? tr("waits for bytes that never come") : tr("takes a wrong length"),
                                   check::mistake_text(check::kByteOrder), try_instead(*codec_))
                                    .english);
      }
    }
    return what;
  }

  bool same(const check::ClientRun& run) const {
    return !run.killed() && run.status == reference_.status && run.out == reference_.out;
  }

  check::ClientRun attempt(const Cuts& cuts) {
    check::ClientLimits limits = limits_;
    auto pieces = check::pieces(cuts, reference_.down.size()).size();
    limits.limit = Millis(static_cast<std::int64_t>(4 * reference_.elapsed_ms) + 3000 +
                          static_cast<std::int64_t>(pieces) * o_.pace_us * 2 / 1000);
    return check::run_client(o_.command, listen_, upstream_, cuts, limits);
  }

  void explore() {
    auto plans = check::plan_cuts(layout_, *o_.seed, check::Side::answers);
    plans_ = plans;
    report_.planned = plans.size();
    std::vector<Family> seen;
    for (const auto& p : plans)
      if (std::find(seen.begin(), seen.end(), p.family) == seen.end()) seen.push_back(p.family);
    for (std::size_t i = 0; i < plans.size(); ++i) {
      if (!failures_.empty() && i >= seen.size()) break;
      if (Clock::now() >= deadline_) {
        report_.budget_ran_out = true;
        break;
      }
      progress_.show(progress_line(i, plans.size(), plans[i].family, failures_.size()));
      auto run = attempt(plans[i].cuts);
      ++report_.tried;
      auto& tally = report_.tallies[plans[i].family];
      ++tally.runs;
      if (!same(run)) {
        ++tally.failed;
        failures_.push_back({i, std::move(run)});
      }
    }
    report_.diagnosis = check::diagnose(report_.tallies, layout_.has_header());
  }

  void shrink_and_tell() {
    if (failures_.empty()) {
      report_.status = 0;
      return;
    }
    report_.status = 1;
    const ClientFailure* start = &failures_.front();
    for (const auto& f : failures_)
      if (shrink_first(plans_[f.plan], plans_[start->plan])) start = &f;
    const Cuts& original = plans_[start->plan].cuts;
    std::map<Cuts, check::ClientRun> runs{{original, start->run}};
    int replays = 0;
    auto fails = [&](const Cuts& cuts) {
      ++replays;
      progress_.show(tr("sticky-check: shrinking the cut: {} replays, {} cuts now", replays, cuts.size()));
      auto run = attempt(cuts);
      bool failed = !same(run);
      runs.insert_or_assign(cuts, std::move(run));
      return failed;
    };
    // Client mode never cuts nothing: that is the reference. Shrinking starts from there too,
    // so an empty list "fails" only if the program is flaky; treat it as passing.
    auto guarded = [&](const Cuts& cuts) { return cuts.empty() ? false : fails(cuts); };
    auto shrunk = check::shrink(original, guarded, [&] { return Clock::now() < deadline_; });
    check::Finding f;
    f.cuts = shrunk.cuts;
    f.found_by = plans_[start->plan].label;
    f.shrunk_from = original.size();
    f.replays = shrunk.replays;
    f.minimal = shrunk.minimal;
    tell(f, runs.at(shrunk.cuts));
  }

  void replay(const Cuts& cuts) {
    report_.planned = report_.tried = 1;
    auto run = attempt(cuts);
    report_.reference.push_back(tr("replaying cuts {} only.", check::format_cuts(cuts)).english);
    report_.status = same(run) ? 0 : 1;
    if (report_.status == 0) return;
    check::Finding f;
    f.cuts = cuts;
    f.replayed = true;
    tell(f, run);
  }

  void tell(check::Finding& f, const check::ClientRun& run) {
    f.stream_name = "The answers";
    if (!f.replayed) report_.diagnosis = check::refine(report_.diagnosis, report_.tallies, check::last_line(run.err, 400));
    f.pieces = piece_lines(layout_, reference_.down, f.cuts);
    // The first line where the output parts from the reference's.
    std::size_t at = 0, line = 1;
    const auto& a = reference_.out;
    const auto& b = run.out;
    while (at < a.size() && at < b.size() && a[at] == b[at]) {
      if (a[at] == '\n') ++line;
      ++at;
    }
    if (a != b) {
      auto line_at = [](const std::string& s, std::size_t from) {
        std::size_t begin = s.rfind('\n', from == 0 ? 0 : from - 1);
        begin = (begin == std::string::npos || from == 0) ? 0 : begin + 1;
        std::size_t end = s.find('\n', from);
        return s.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
      };
      auto quote = [](std::string_view bytes) { return speak::localized(check::quote(bytes)); };
      if (at == b.size())
        f.story.push_back(
            tr("Its output stops at line {}: it printed {} of the reference's {} bytes.", line, b.size(), a.size()).english);
      else if (at == a.size())
        f.story.push_back(tr("After the reference's output ({} bytes) it printed {} more: {}.", a.size(),
                             b.size() - a.size(), quote(std::string_view(b).substr(a.size())))
                              .english);
      else
        f.story.push_back(tr("Its output differs from line {} on: it printed {}; the reference printed {}.", line,
                             quote(line_at(b, at)), quote(line_at(a, at)))
                              .english);
    } else {
      f.story.push_back(tr("Its output equals the reference's.").english);
    }
    Text ending = tr("It ended with {}", speak::localized(run.ending()));
    if (run.status != reference_.status || run.killed())
      ending = speak::plus(ending, tr(" (the reference: {})", speak::localized(reference_.ending())));
    if (auto last = check::last_line(run.err); !last.empty() && (run.status != 0 || run.killed()))
      ending = tr("{}: {}", ending, last);
    f.story.push_back(tr("{}.", ending).english);
    f.replay = fmt::format("{} --port {} --to {} --cuts down:{} --pace down:{}", sibling(argv0_, "relay"), o_.listen,
                           upstream_.to_string(), check::format_cuts(f.cuts), o_.pace_us);
    f.replay_then = check::shell_join(o_.command);
    report_.finding = std::move(f);
  }

  const Options& o_;
  const char* argv0_;
  Clock::time_point deadline_;
  std::unique_ptr<sticky::Codec> codec_;
  sticky::Address listen_, upstream_;
  check::ClientLimits limits_;
  check::ClientRun reference_;
  check::Layout layout_;
  std::vector<check::Plan> plans_;
  std::vector<ClientFailure> failures_;
  check::Report report_;
  Progress progress_;
};

// ------------------------------------------------------------------------------ command line

const char* const kExamples = R"(
Examples:
  sticky-check server --port 9000 -- python3 server.py 9000
      start the student's server, check it, stop it
  sticky-check server --connect 127.0.0.1:9005 --python-i --message hi
      check a server already running, struct.pack('i') headers
  sticky-check client --listen 9100 --upstream :9005 -- python3 client.py 9100
      stand where the client expects its server, relay to the real one
  sticky-check server --port 9000 --replay-cuts 2,6 -- python3 server.py 9000
      replay one cut exactly (the report's last line gives it)

Exit status: 0 no cut broke it, 1 a cut broke it, 2 usage error,
3 the reference run (nothing cut) failed.
)";

void add_common(CLI::App& sub, Options& o) {
  sub.add_option("--seed", o.seed, "seed for random cuts (default: the clock; printed)");
  sub.add_option("--budget", o.budget, "seconds the whole check may take")->capture_default_str()->check(CLI::Range(0.1, 86400.0));
  sub.add_flag("--json", o.json, "print the report as one JSON object");
  sub.add_flag("--no-color", o.no_color, "no colour (also NO_COLOR, or stdout not a terminal)");
  sub.add_option("--replay-cuts", o.replay_cuts, "run only this cut: OFFSET,OFFSET... or none");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Prove your framing: run a conversation whole, then cut in every way that\n"
               "matters; whatever differs from the whole run is a framing bug.",
               kProgram};
  app.get_formatter()->column_width(24);
  app.footer(kExamples);
  app.require_subcommand(1);
  Options o;

  auto* server = app.add_subcommand("server", "the program is a framed server; sticky-check its client");
  server->footer(kExamples);
  server->get_formatter()->column_width(24);
  server->add_option("--port", o.port, "the program listens on 127.0.0.1:PORT")->check(CLI::Range(1, 65535));
  server->add_option("--connect", o.connect, "a server already running: HOST:PORT")->excludes("--port");
  speak::cli::add_codec_options(*server, o.codec);
  server->add_option("--message", o.messages, "a message to send (repeatable; default: a built-in set)");
  server->add_option("--messages", o.messages_file, "messages to send, one per line of FILE");
  server->add_option("--timeout", o.timeout_ms, "ms to wait for an answer in the reference run")
      ->capture_default_str()->check(CLI::Range(10, 600000));
  add_common(*server, o);
  server->add_option("command", o.command, "the server to start, after --");

  auto* client = app.add_subcommand("client", "the program is a client; its answers come relayed, cut");
  client->footer(kExamples);
  client->get_formatter()->column_width(24);
  client->add_option("--listen", o.listen, "127.0.0.1:PORT, where the program expects its server")
      ->required()->check(CLI::Range(1, 65535));
  client->add_option("--upstream", o.upstream, "the real server: HOST:PORT")->required();
  speak::cli::add_codec_options(*client, o.codec);
  client->add_option("--pace", o.pace_us, "microseconds between answer pieces")->capture_default_str()->check(CLI::Range(0, 1000000));
  add_common(*client, o);
  client->add_option("command", o.command, "the client to run, after --");

  // Everything after "--" is the program's own command line, its options included: a
  // student's server takes --port too, and it is not ours.
  std::string lang;
  for (auto* sub : {&app, server, client})
    sub->add_option("--lang", lang, "en or zh (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)");
  std::vector<std::string> program;
  const int all_arguments = argc;  // the replay command repeats the program's part too
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--") {
      program.assign(argv + i + 1, argv + argc);
      argc = i;
      break;
    }
  if (auto status = speak::cli::parse(app, argc, argv)) return *status;
  if (!speak::use_language(kProgram, lang)) return 2;
  if (!program.empty()) o.command = program;
  o.mode = server->parsed() ? "server" : "client";
  if (o.mode == "client" && o.command.empty()) {
    speak::print_error(kProgram, tr("client needs the program to run: -- COMMAND [ARGS...]").english, true);
    return 2;
  }
  if (!o.seed) {
    o.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000000u;
  }
  bool colour = !o.json && !o.no_color && !std::getenv("NO_COLOR") && ::isatty(1);
  check::stop_programs_on_interrupt();
  try {
    if (o.replay_cuts) check::parse_cuts(*o.replay_cuts);
  } catch (const std::invalid_argument& e) {
    speak::print_error(kProgram, tr("--replay-cuts: {}", speak::localized(e.what())).english, true);
    return 2;
  }
  try {
    check::Report report;
    if (o.mode == "server") {
      ServerCheck check(o, all_arguments, argv);
      report = check.run();
    } else {
      ClientCheck check(o, argv[0]);
      report = check.run();
    }
    if (o.json) fmt::print("{}\n", check::render_json(report).dump());
    else fmt::print("{}", check::render_text(report, colour));
    return report.status;
  } catch (const UsageError& e) {
    speak::print_error(kProgram, e.what(), true);
    return 2;
  } catch (const std::exception& e) {
    speak::print_error(kProgram, e.what());
    return 3;
  }
}
