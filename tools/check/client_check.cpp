#include "check/client_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>

#include "check/compare.hpp"
#include "check/explore.hpp"
#include "check/listening.hpp"
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

struct Run {
  ClientRun run;
  Difference difference;
  bool inconclusive = false;
};

struct Failure {
  std::size_t plan;
  Run run;
};

// The upstream cannot be reached any more: nothing more can be run.
struct GoneAway : std::runtime_error {
  explicit GoneAway(Text why) : std::runtime_error(why.english), text(std::move(why)) {}
  Text text;
};

class ClientCheck {
 public:
  explicit ClientCheck(const Options& o) : o_(o) {}

  Report run() {
    auto started = Clock::now();
    deadline_ = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.budget));
    prepare();
    report_.mode = "client";
    report_.target = fmt::format("{} -> {}", listen_.to_string(), upstream_.to_string());
    report_.program = shell_join(o_.command);
    report_.requests = report_.answers = tr("{} (to find the answers' frames)", o_.framing.down.describe());
    report_.seed = *o_.seed;
    limits_.pace = std::chrono::microseconds(o_.pace_us);
    try {
      if (start_upstream() && reference()) {
        if (o_.replay_cuts) replay(parse_cuts(*o_.replay_cuts));
        else explore();
      }
    } catch (const GoneAway& gone) {
      if (failures_.empty()) cannot_tell(gone.text, {}, report_.planned == 0);
      else report_.notes.push_back(gone.text);
    }
    if (upstream_server_) upstream_server_->stop();
    report_.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    return report_;
  }

 private:
  // --------------------------------------------------------------------------- set-up

  void prepare() {
    if (o_.command.empty()) throw UsageError(tr("client needs the program to run: -- COMMAND [ARGS...]").english);
    if (!o_.listen) throw UsageError(tr("client mode needs --listen PORT, where the program expects its server").english);
    bool placeholder = std::any_of(o_.command.begin(), o_.command.end(),
                                   [](const std::string& a) { return a.find("{port}") != std::string::npos; });
    if (*o_.listen == 0 && !placeholder)
      throw UsageError(tr("--listen 0 lets the OS pick the port: write {{port}} where the program takes it").english);
    try {
      comparison_ = parse_compare(o_.compare);
      check_ignore(o_.ignore);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    comparison_.ignore = o_.ignore;
    try {
      upstream_ = sticky::Address::parse(o_.upstream);
    } catch (const std::exception& e) {
      throw UsageError(tr("--upstream: {}", speak::localized(e.what())).english);
    }
    listen_ = sticky::Address::ip("127.0.0.1", static_cast<std::uint16_t>(*o_.listen));
    if (!o_.expect_file.empty()) {
      std::ifstream in(o_.expect_file, std::ios::binary);
      if (!in) throw UsageError(tr("--expect: cannot read {}", o_.expect_file).english);
      expected_out_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      has_expected_ = true;
    }
  }

  void progress(const Text& text) const {
    if (o_.progress) o_.progress(text);
  }

  // The upstream: started when its command is given; else it must listen already (asked of
  // the kernel: a connection to see would use up a one-connection server).
  bool start_upstream() {
    if (!o_.start_upstream.empty()) {
      upstream_server_ = std::make_unique<ServerProcess>(command_words(o_.start_upstream),
                                                         upstream_);
      progress(tr("sticky-check: starting the upstream"));
      if (auto why = upstream_server_->ready(Clock::now() + std::chrono::seconds(10))) {
        cannot_tell(tr("The upstream (--start-upstream) did not listen on {}: {}", upstream_.to_string(), *why), {},
                    true);
        return false;
      }
      return true;
    }
    if (is_local(upstream_) && !upstream_.is_unix() && !listening(upstream_.port()).value_or(true)) {
      cannot_tell(tr("Nothing listens on {} (--upstream).", upstream_.to_string()),
                  {tr("Start the real server first, or give its command with --start-upstream.")}, true);
      return false;
    }
    return true;
  }

  // Whether a run says nothing of the client: the relay could not reach the upstream, or
  // nothing at all came down where the uncut run had answers (no cut had anything to act on).
  bool upstream_failed(const ClientRun& run, bool reference) const {
    if (!run.upstream_error.empty()) return true;
    return !reference && run.down.empty() && !reference_.down.empty() && run.connections > 0;
  }

  ClientRun run_once(const std::optional<Cuts>& cuts, const ClientLimits& limits) {
    if (upstream_server_)
      if (auto why = upstream_server_->ready(Clock::now() + std::chrono::seconds(10)))
        throw GoneAway(tr("The upstream could not be started again: {}", *why));
    ClientRun run;
    try {
      run = run_client(o_.command, listen_, upstream_, cuts, limits);
    } catch (const std::exception& e) {
      throw GoneAway(tr("{}.", speak::localized(e.what())));
    }
    listen_ = run.listen;  // port 0: the OS's pick, kept for every later run
    report_.target = fmt::format("{} -> {}", listen_.to_string(), upstream_.to_string());
    report_.program = shell_join(with_port(o_.command));
    return run;
  }

  Text unreachable(const ClientRun& run) const {
    Text why = run.upstream_error.empty() ? tr("nothing came down from it") : speak::localized(run.upstream_error);
    return tr("The relay could not reach the upstream {} in run {} ({}): the client is not to blame. A server "
              "that serves one connection and exits is used up by the first run; give its command with "
              "--start-upstream and it is started again whenever it exits.",
              upstream_.to_string(), runs_, why);
  }

  // One run with the answers cut at `cuts`; `pace` at least this far apart (probes: far
  // enough that the program, however busy the machine, reads each piece alone).
  Run attempt(const Cuts& cuts, std::chrono::microseconds pace = {}) {
    ClientLimits limits = limits_;
    limits.pace = std::max(limits.pace, pace);
    auto pieces = check::pieces(cuts, reference_.down.size()).size();
    limits.limit = Millis(static_cast<std::int64_t>(4 * reference_.elapsed_ms) + 3000 +
                          static_cast<std::int64_t>(pieces) * limits.pace.count() * 2 / 1000);
    Run r;
    for (int tries = 0; tries < 3; ++tries) {
      r.run = run_once(cuts, limits);
      ++runs_;
      if (!upstream_failed(r.run, false)) {
        r.difference = compare(comparison_, reference_, r.run);
        return r;
      }
      ++retries_;
      if (!upstream_server_) throw GoneAway(unreachable(r.run));
    }
    r.inconclusive = true;
    return r;
  }

  // --------------------------------------------------------------------------- uncut runs

  bool cannot_tell(const Text& why, std::vector<Text> hints, bool reference) {
    report_.verdict = Verdict::cannot_tell;
    report_.reference_failed = reference;
    report_.cannot_tell = why;
    report_.hints = std::move(hints);
    return false;
  }

  ClientRun reference_run(bool second) {
    ClientLimits limits = limits_;
    limits.idle = Millis(5000);
    limits.limit = std::chrono::duration_cast<Millis>(
        std::clamp<Clock::duration>(deadline_ - Clock::now(), std::chrono::seconds(1), std::chrono::seconds(30)));
    progress(second ? tr("sticky-check: reference run, again") : tr("sticky-check: reference run"));
    for (int tries = 0;; ++tries) {
      auto run = run_once(std::nullopt, limits);
      ++runs_;
      if (run.upstream_error.empty() || !upstream_server_ || tries == 2) return run;
      ++retries_;
    }
  }

  bool reference() {
    reference_ = reference_run(false);
    if (!reference_.upstream_error.empty()) return cannot_tell(unreachable(reference_), said(reference_), true);
    if (auto failure = reference_failure(reference_)) return cannot_tell(*failure, hints_for(reference_), true);
    auto again = reference_run(true);
    if (!again.upstream_error.empty()) return cannot_tell(unreachable(again), said(again), true);
    if (auto failure = reference_failure(again))
      return cannot_tell(speak::plus(tr("The second uncut run failed where the first passed: "), *failure),
                         hints_for(again), true);
    for (auto& note : learn(comparison_, reference_, again)) report_.notes.push_back(note);
    if (!comparison_.anything())
      return cannot_tell(tr("Nothing it does was the same in two uncut runs: there is nothing to compare."),
                         {tr("Leave out what varies with --ignore REGEX, or choose with --compare exit,stdout,stderr,sent.")},
                         false);
    // Its output was asked for and none of it is the same twice: an exit status alone is too
    // little to pass it on (a client printing nonsense exits 0 too). Saying so is the user's.
    bool more_than_exit = (comparison_.err && !comparison_.err_varies) || (comparison_.sent && !comparison_.sent_varies);
    if (comparison_.out && comparison_.out_varies && !more_than_exit)
      return cannot_tell(tr("Its output is not the same in two uncut runs, so no cut can be judged by it."),
                         {tr("Leave out the lines that vary with --ignore REGEX; or, if its exit status is all that "
                             "matters, say so with --compare exit.")},
                         false);

    layout_ = layout_of_stream(o_.framing.down.codec(), reference_.down);
    layout_.noun = "answer";
    std::uint64_t decoded = layout_.total();
    if (decoded < reference_.down.size()) {
      framing_known_ = false;
      report_.notes.push_back(tr("The answers are not all framed as \"{}\": {} of {} bytes are; the rest is cut as one "
                                 "piece, blindly, and no mistake is named from it. --framing down:SPEC says how they "
                                 "are framed; one none of its framings describes is beyond sticky-check.",
                                 o_.framing.down.describe(), decoded, reference_.down.size()));
      layout_.frames.push_back({decoded, reference_.down.size() - decoded, 0, reference_.down.size() - decoded});
      if (layout_.frames.size() == 1) layout_.header = layout_.header_length = 0;  // no header was found
    }
    report_.reference.push_back(
        layout_.frames.size() == 1
            ? tr("the program ran twice through an uncut relay: {} answer ({}) came down, it printed {} and ended "
                 "with {}.",
                 layout_.frames.size(), speak::byte_count(reference_.down.size()), speak::byte_count(reference_.out.size()),
                 speak::localized(reference_.ending()))
            : tr("the program ran twice through an uncut relay: {} answers ({}) came down, it printed {} and ended "
                 "with {}.",
                 layout_.frames.size(), speak::byte_count(reference_.down.size()), speak::byte_count(reference_.out.size()),
                 speak::localized(reference_.ending())));
    if (o_.listen == 0) report_.notes.push_back(tr("--listen 0: the OS picked port {} for the relay.", listen_.port()));
    report_.target = fmt::format("{} -> {}", listen_.to_string(), upstream_.to_string());
    if (reference_.connections > 1)
      report_.notes.push_back(tr("The program connected {} times; each connection's answers were cut alike, planned "
                                 "from the first.",
                                 reference_.connections));
    limits_.idle = Millis(std::clamp<std::int64_t>(static_cast<std::int64_t>(2 * reference_.elapsed_ms) + 300, 500, 5000));

    if (has_expected_) {
      auto difference = output_difference(comparison_, expected_out_, reference_.out, tr("--expect"));
      if (!difference.empty()) {
        report_.verdict = Verdict::broken;
        Finding f;
        f.uncut = true;
        f.steps = difference;
        f.steps.insert(f.steps.begin(), tr("Through an uncut relay, its output is not the one --expect gives:"));
        report_.finding = std::move(f);
        return false;
      }
      report_.correct = true;
    }
    if (reference_.down.empty())
      return cannot_tell(tr("The server sent nothing back: there was nothing to cut."), {}, false);
    return true;
  }

  std::vector<Text> said(const ClientRun& run) const {
    if (auto last = last_line(run.err); !last.empty()) return {tr("The client said: {}", last)};
    return {};
  }

  std::optional<Text> reference_failure(const ClientRun& r) const {
    Text ending = speak::localized(r.ending());
    if (r.connections == 0)
      return tr("The program never connected to {} ({}): does it use the port --listen gives?", r.listen.to_string(),
                ending);
    if (r.killed() || r.status != 0) return tr("Through an uncut relay the program ended with {}.", ending);
    return std::nullopt;
  }

  // Why an uncut run failed: the program's own error first, then what it most likely means.
  std::vector<Text> hints_for(const ClientRun& r) {
    std::vector<Text> hints;
    std::string last = last_line(r.err);
    if (!last.empty()) hints.push_back(tr("It said: {}", last));
    auto layout = layout_of_stream(o_.framing.down.codec(), r.down);
    MistakeContext context = context_of(layout, o_.framing.down);
    if (last.find("UnicodeDecodeError") != std::string::npos) {
      report_.diagnosis.mistakes.push_back(mistake(kDecodesPieces, context));
      hints.push_back(tr("Even uncut, a recv() returns what has arrived, at most what it asks for: one that ends "
                         "inside a character leaves half of it for the next."));
      return hints;
    }
    const sticky::LengthCodec* length = o_.framing.down.length();
    if (length && !layout.frames.empty() && r.down.size() >= length->header_size()) {
      auto other = speak::other_byte_order_value(length->options(), r.down);
      std::uint64_t ours = length->read_field(r.down);
      // Its failure fits a length read the other way when it says that number; when it only
      // waited, that is one way to wait among many: said as a possibility, not a diagnosis.
      bool says_it = other && last.find(std::to_string(*other)) != std::string::npos;
      if (other && static_cast<std::uint64_t>(*other) != ours && (says_it || r.stuck)) {
        const auto& o = length->options();
        Text field = speak::same(
            sticky::to_hex_spaced(std::string_view(r.down).substr(o.offset, static_cast<std::size_t>(o.width))));
        if (says_it) {
          report_.diagnosis.mistakes.push_back(mistake(kByteOrder, context));
          hints.push_back(tr("The first answer's length field {} means {} as the server wrote it, but {} in the other "
                             "byte order, the number it said.",
                             field, ours, *other));
        } else {
          hints.push_back(tr("Perhaps it reads the length the other way round: the first answer's length field {} "
                             "means {} as the server wrote it, but {} in the other byte order, which would make it "
                             "wait for bytes that never come.",
                             field, ours, *other));
        }
      }
    }
    return hints;
  }

  // --------------------------------------------------------------------------- cut runs

  void explore() {
    auto plans = plan_cuts(layout_, *o_.seed, Side::answers);
    plans_ = plans;
    report_.planned = plans.size();
    const std::size_t first = first_round(plans);
    for (std::size_t i = 0; i < plans.size(); ++i) {
      if (!failures_.empty() && i >= first) break;
      // One cut of each kind is always tried, whatever the budget: less would prove nothing.
      if (Clock::now() >= deadline_ && i >= first) {
        report_.budget_ran_out = true;
        break;
      }
      progress(progress_line(i, plans.size(), plans[i].family, failures_.size()));
      auto r = attempt(plans[i].cuts);
      ++report_.tried;
      auto& tally = report_.tallies[plans[i].family];
      ++tally.runs;
      if (r.inconclusive) {
        ++tally.inconclusive;
        ++report_.inconclusive;
      } else if (r.difference.kind == Difference::Kind::hard) {
        ++tally.failed;
        failures_.push_back({i, std::move(r)});
      } else if (r.difference.kind == Difference::Kind::soft && !soft_) {
        soft_ = Failure{i, std::move(r)};
      }
    }
    if (!failures_.empty()) {
      report_.verdict = Verdict::broken;
      probe();
      shrink_and_tell();
    } else if (soft_) {
      Finding f;
      f.cuts = plans_[soft_->plan].cuts;
      f.found_by = plans_[soft_->plan].label;
      f.found_by_text = speak::localized(f.found_by);
      Text under = f.found_by_text;
      tell(f, soft_->run);
      cannot_tell(tr("Under {} only lines with numbers in them changed; the rest of its output, its exit status "
                     "and what it sent stayed the same.",
                     under),
                  {tr("If those lines log how the bytes came (recv sizes, times), they differ by design: leave them "
                      "out with --ignore REGEX and check again. If they are data, the program is broken.")},
                  false);
    } else if (report_.tried > 0 && report_.inconclusive == report_.tried) {
      cannot_tell(tr("No cut run was evidence: nothing came down from the upstream."), {}, false);
    } else if (report_.tried < first) {
      cannot_tell(too_few(first), {tr("Give it more time with --budget SECONDS.")}, false);
    } else {
      passed();
    }
  }

  Text too_few(std::size_t first) const {
    return tr("The budget ran out after {} cuts, before one cut of each of the {} kinds was tried: too little to "
              "pass it.",
              report_.tried, first);
  }

  void passed() {
    report_.verdict = framing_known_ ? Verdict::passed : Verdict::cannot_tell;
    std::size_t counted = report_.tried - report_.inconclusive;
    Text cuts = counted == 1 ? tr("1 cut") : tr("{} cuts", counted);
    if (!framing_known_) {
      cannot_tell(tr("No cut changed what it does, but the answers' framing is not one sticky-check knows: its cuts "
                     "could not aim at their headers and boundaries."),
                  {tr("Say how the answers are framed with --framing down:SPEC.")}, false);
      return;
    }
    Text compared = comparison_.describe();
    report_.proves = report_.correct
                         ? tr("correct, and the same however the answers are cut: uncut, its output is the one "
                              "--expect gives, and under {} its {} stayed the uncut run's.",
                              cuts, compared)
                         : tr("the same however the answers are cut: under {} its {} stayed the uncut run's. That "
                              "proves it reads the stream whole, not that its output is right: --expect FILE checks "
                              "that too.",
                              cuts, compared);
  }

  void probe() {
    if (!framing_known_) return;
    report_.probes = plan_probes(layout_, Side::answers);
    for (auto& p : report_.probes) {
      if (Clock::now() >= deadline_ + std::chrono::seconds(2)) break;
      progress(tr("sticky-check: probing: {}", probe_text(p.name)));
      auto r = attempt(p.cuts, std::chrono::milliseconds(30));
      if (r.inconclusive) continue;
      p.broke = r.difference.kind == Difference::Kind::hard;
      if (*p.broke) p.error = last_line(r.run.err, 400);
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
      // Client mode never cuts nothing: that is the reference. Shrinking starts from there
      // too, so an empty list "fails" only if the program is flaky; treat it as passing.
      if (cuts.empty()) return false;
      ++replays;
      progress(tr("sticky-check: shrinking the cut: {} replays, {} cuts now", replays, cuts.size()));
      auto r = attempt(cuts);
      bool failed = !r.inconclusive && r.difference.kind == Difference::Kind::hard;
      runs.insert_or_assign(cuts, std::move(r));
      return failed;
    };
    Shrunk shrunk;
    try {
      shrunk = shrink(original, fails, [&] { return Clock::now() < deadline_ + std::chrono::seconds(2); });
    } catch (const GoneAway& gone) {
      report_.notes.push_back(gone.text);
      shrunk.cuts = original;
    }
    Finding f;
    f.cuts = shrunk.cuts;
    f.found_by = plans_[start->plan].label;
    f.found_by_text = speak::localized(f.found_by);
    f.shrunk_from = original.size();
    f.replays = shrunk.replays;
    f.minimal = shrunk.minimal;
    const Run& r = runs.count(shrunk.cuts) ? runs.at(shrunk.cuts) : start->run;
    if (framing_known_) {
      MistakeContext context = context_of(layout_, o_.framing.down);
      Diagnosis d = diagnose(report_.probes, context);
      if (d.empty()) d = diagnose_cut(layout_, f.cuts, Side::answers, context);
      std::string said;
      for (const auto& p : report_.probes)
        if (p.broke.value_or(false)) said += p.error + "\n";
      said += last_line(r.run.err, 400);
      d = refine(d, said, context);
      if (d.evidence.english.empty()) d.evidence = family_evidence(report_.tallies);
      report_.diagnosis = d;
    } else {
      report_.diagnosis.evidence = family_evidence(report_.tallies);
    }
    tell(f, r);
    if (output_only(r)) {
      report_.notes.push_back(tr("Only its output differs. If the lines that differ log how the bytes came (recv "
                                 "sizes, chunks), they differ by design: leave them out with --ignore REGEX, or judge "
                                 "it by --compare exit,sent."));
    }
  }

  // Only its output differs, first in a line with numbers in it: perhaps a log of its reads.
  bool output_only(const Run& r) const {
    return r.run.status == reference_.status && !r.run.killed() && r.run.sent == reference_.sent &&
           numbered_difference(comparison_, reference_.out, r.run.out);
  }

  void replay(const Cuts& cuts) {
    report_.planned = report_.tried = 1;
    report_.reference.push_back(tr("replaying cuts {} only.", format_cuts(cuts)));
    auto r = attempt(cuts);
    if (r.inconclusive) {
      cannot_tell(tr("The replayed cut was no evidence: nothing came down from the upstream."), {}, false);
      return;
    }
    if (r.difference.kind == Difference::Kind::none) {
      report_.verdict = Verdict::passed;
      report_.proves = tr("this cut leaves what it does as the uncut run's.");
      return;
    }
    report_.verdict = Verdict::broken;
    Finding f;
    f.cuts = cuts;
    f.replayed = true;
    tell(f, r);
  }

  void tell(Finding& f, const Run& r) {
    f.answers = true;
    f.pieces = piece_lines(layout_, reference_.down, f.cuts);
    f.steps = r.difference.story;
    f.replay = fmt::format("{}{} --port {} --to {} --cuts down:{} --pace down:{} --await-reads down:{}",
                           o_.start_upstream.empty() ? "" : o_.start_upstream + " & ", tool_path(o_, "relay"),
                           listen_.port(), upstream_.to_string(), format_cuts(f.cuts), o_.pace_us,
                           limits_.await_reads.count());
    f.replay_then = shell_join(with_port(o_.command));
    report_.finding = std::move(f);
  }

  // The program's command as it runs: {port} is the relay's port.
  std::vector<std::string> with_port(std::vector<std::string> command) const {
    for (auto& a : command)
      for (auto at = a.find("{port}"); at != std::string::npos; at = a.find("{port}", at))
        a.replace(at, 6, std::to_string(listen_.port()));
    return command;
  }

  const Options& o_;
  Clock::time_point deadline_;
  sticky::Address listen_, upstream_;
  std::unique_ptr<ServerProcess> upstream_server_;
  Comparison comparison_;
  std::string expected_out_;
  bool has_expected_ = false;
  ClientLimits limits_;
  ClientRun reference_;
  Layout layout_;
  bool framing_known_ = true;
  std::vector<Plan> plans_;
  std::vector<Failure> failures_;
  std::optional<Failure> soft_;
  int runs_ = 0, retries_ = 0;
  Report report_;
};

}  // namespace

Report check_client(const Options& options) {
  ClientCheck check(options);
  return check.run();
}

}  // namespace check
