#include "speak/narrator.hpp"
#include "speak/text.hpp"

#include <fmt/color.h>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>

#include "sticky/bytes.hpp"

namespace speak {

using sticky::Op;
using sticky::Side;

Text side_text(const std::string& who) {
  std::string_view name = who;
  std::string number;
  if (auto hash = name.find('#'); hash != std::string_view::npos) {
    number = std::string(name.substr(hash));
    name = name.substr(0, hash);
  }
  Text base = name == "client" ? tr("client") : name == "server" ? tr("server") : same(std::string(name));
  return Text{who, base.local + number};
}

// ------------------------------------------------------------------------------- narration

struct Narrator::State {
  std::FILE* out;
  bool colour;
  const std::atomic<bool>* narrate_io;
  Pace pace;
  pid_t pid = ::getpid();
  // Guards what follows: narrate() runs under the trace's lock, print() and flush() from any
  // thread outside it. (Order: the trace's lock, then this one, then the queue's.)
  std::mutex narration;
  sticky::ProvenanceModel provenance;

  // A run of calls alike — same caller, same call, same message — the first is printed, the
  // rest are counted: 64 × recv(1024) of one 64 KiB message, or 1,496 one-byte pieces.
  struct Run {
    std::string key, who, label;
    std::uint64_t more = 0;
    std::size_t smallest = 0, largest = 0;
    std::uint64_t total = 0;
    std::string last;  // the latest call's own line: a run of two shows both
  };
  std::optional<Run> run;
  bool printed_anything = false;

  // Paced output: lines queue up, a printer thread shows them.
  struct Item {
    std::string text;
    bool pause;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Item> queue;
  bool printing = false;  // the printer holds an item it has not finished
  bool stopping = false;
  std::atomic<bool> pausing{true};
  std::thread printer;

  ~State() {
    if (printer.joinable()) {
      {
        std::lock_guard lock(mutex);
        stopping = true;
      }
      changed.notify_all();
      printer.join();
    }
  }

  bool paced() const { return printer.joinable() && ::getpid() == pid; }

  void write(const std::string& text) {
    std::lock_guard lock(screen());
    fmt::print(out, "{}\n", text);
    std::fflush(out);
  }

  // One line (or a few, wrapped) of narration, in order.
  void emit(std::string text, bool pause = false) {
    printed_anything = true;
    if (!paced()) {
      write(text);  // (a forked child has no printer thread: it writes for itself)
      return;
    }
    {
      std::lock_guard lock(mutex);
      queue.push_back({std::move(text), pause});
    }
    changed.notify_all();
  }

  void run_printer() {
    bool printed_since_pause = false;
    for (;;) {
      Item item;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        item = std::move(queue.front());
        queue.pop_front();
        printing = true;
      }
      if (item.pause && printed_since_pause && pausing) {
        std::lock_guard lock(screen());
        std::string enter = "  " + tr("[Enter]").local + " ";
        fmt::print(out, "{}", colour ? "\033[2m" + enter + "\033[0m" : enter);
        std::fflush(out);
        std::string ignored;
        if (!std::getline(std::cin, ignored)) pausing = false;  // stdin closed: run on
        printed_since_pause = false;
      }
      write(item.text);
      printed_since_pause = true;
      {
        std::lock_guard lock(mutex);
        printing = false;
      }
      changed.notify_all();
    }
  }

  std::string paint(std::uint64_t msg, const std::string& text) const {
    static const fmt::terminal_color palette[] = {
        fmt::terminal_color::bright_cyan,  fmt::terminal_color::bright_yellow, fmt::terminal_color::bright_magenta,
        fmt::terminal_color::bright_green, fmt::terminal_color::bright_blue,   fmt::terminal_color::bright_red,
    };
    if (!colour || msg == 0) return text;
    return fmt::format(fmt::fg(palette[(msg - 1) % std::size(palette)]), "{}", text);
  }
  std::string bold(const std::string& text) const { return colour ? fmt::format(fmt::emphasis::bold, "{}", text) : text; }
  std::string dim(const std::string& text) const { return colour ? fmt::format(fmt::emphasis::faint, "{}", text) : text; }

  // "  client   recv(1024)    14 bytes  "hello" "world" "egon"  messages 1–3", fitted to `width`.
  std::string call_line(const sticky::TraceEvent& e, const sticky::AttributedCall& c, std::size_t width) const {
    std::size_t label_width = c.datagram ? 14 : 11;
    std::string label = c.datagram || !c.is_send || e.function == "send_all" ? c.label : "send";
    std::size_t n = c.end_of_stream ? 0 : e.bytes();  // what the call moved, even when the trace kept less
    std::string origin = localize_origin(c.origin);
    std::string head = fmt::format("  {} {:<{}} {:>{}} {}  ", pad(side_text(c.who).local, 8), label, label_width, n,
                                   c.datagram ? 5 : 6, pad(n == 1 ? tr("byte").local : tr("bytes").local, 5));
    if (c.end_of_stream) return head + dim(tr("({})", origin).local);
    std::size_t fixed = display_width(head) + (origin.empty() ? 0 : display_width(origin) + 2);
    std::size_t room = width > fixed + 12 ? width - fixed : 12;
    std::size_t spans = std::max<std::size_t>(1, std::min<std::size_t>(c.spans.size(), 6));
    std::size_t limit = std::max<std::size_t>(8, room / spans > 3 ? room / spans - 3 : 8);
    std::string shown;
    std::size_t count = 0;
    for (const auto& span : c.spans) {
      if (count == 6) {
        shown += dim(" " + tr("…{} more", c.spans.size() - count).local);
        break;
      }
      std::string_view part = std::string_view(e.data).substr(span.begin, span.size);
      shown += (shown.empty() ? "" : " ") + paint(span.msg, preview(part, limit));
      ++count;
    }
    return head + shown + (origin.empty() ? "" : "  " + dim(origin));
  }

  void end_run() {
    if (!run) return;
    Run r = std::move(*run);
    run.reset();
    if (r.more == 0) return;
    if (r.more == 1) {
      emit(std::move(r.last), pace == Pace::calls);
      return;
    }
    Text each = r.smallest == r.largest ? byte_count(r.smallest) : tr("{} to {}", r.smallest, byte_count(r.largest));
    emit(wrap(fmt::format("  {} {}", pad(side_text(r.who).local, 8),
                          tr("{} × {} more, {} each ({} calls, {} in all)", r.label, r.more, each, r.more + 1,
                             byte_count(r.total))
                              .local),
              output_width(::fileno(out)), 13));
  }

  void narrate(const sticky::TraceEvent& e) {
    auto call = provenance.add(e);
    if (e.side == Side::relay && e.op != Op::note) return;  // the relay's pieces would drown the story
    std::size_t width = output_width(::fileno(out));
    std::string side(sticky::to_string(e.side));
    if (e.conn && *e.conn > 1 && e.side != Side::relay) side += fmt::format("#{}", *e.conn);
    std::string who = side.empty() ? "" : pad(side_text(side).local, 8) + " ";
    switch (e.op) {
      case Op::step: {
        end_run();
        bool first = !printed_anything;
        emit("\n" + bold(wrap("▶ " + localize(e.text), width, 2)), !first);
        return;
      }
      case Op::note:
        end_run();
        emit(wrap("  " + who + localize(e.text), width, 2 + display_width(who)));
        return;
      case Op::error: {
        end_run();
        std::string text = tr("error: {}", localized(e.text)).local;
        emit(wrap("  " + who + (colour ? fmt::format(fmt::fg(fmt::terminal_color::red), "{}", text) : text), width,
                  2 + display_width(who)));
        return;
      }
      case Op::send:
      case Op::recv: {
        if (!call || !*narrate_io) return;
        // Datagrams and ends of stream are never folded: each one says something of its own.
        std::size_t size = e.bytes();
        std::string key = call->datagram || call->end_of_stream || call->spans.size() != 1
                              ? std::string()
                              : fmt::format("{}|{}|{}|{}", call->who, call->label, call->is_send, call->spans[0].msg);
        if (run && !key.empty() && run->key == key) {
          ++run->more;
          run->smallest = std::min(run->smallest, size);
          run->largest = std::max(run->largest, size);
          run->total += size;
          run->last = wrap(call_line(e, *call, width), width, 13);
          return;
        }
        end_run();
        run = Run{key, call->who, call->datagram || !call->is_send ? call->label : "send", 0, size, size, size, ""};
        emit(wrap(call_line(e, *call, width), width, 13), pace == Pace::calls);
        return;
      }
      case Op::frame:
        if (!*narrate_io) return;
        end_run();
        emit(wrap(fmt::format("  {}{} {:>6} {}  {}", who, pad(tr("frame").local, 11), e.data.size(),
                              pad(e.data.size() == 1 ? tr("byte").local : tr("bytes").local, 5),
                              preview(e.data, width > 50 ? width - 50 : 20)),
                  width, 13));
        return;
      case Op::result: {
        end_run();
        std::string text = !e.text.empty()              ? localize(e.text)
                           : e.observed.value_or(false) ? tr("observed").local
                                                        : tr("not observed").local;
        emit("\n" + bold(wrap(tr("Result: {}", text).local, width, 2)));
        return;
      }
      case Op::call:
        end_run();
        emit(wrap("  " + who + dim(e.text), width, 4 + display_width(who)));
        return;
      default:
        return;
    }
  }
};

Narrator::Narrator(std::FILE* out, bool colour, const std::atomic<bool>* narrate_io, Pace pace)
    : state_(std::make_shared<State>()) {
  state_->out = out;
  state_->colour = colour;
  state_->narrate_io = narrate_io;
  state_->pace = ::isatty(0) ? pace : Pace::none;
  if (state_->pace != Pace::none) state_->printer = std::thread([s = state_.get()] { s->run_printer(); });
}

void Narrator::operator()(const sticky::TraceEvent& event) {
  std::lock_guard lock(state_->narration);
  state_->narrate(event);
}

void Narrator::print(std::string text) {
  std::lock_guard lock(state_->narration);
  state_->end_run();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  state_->emit(std::move(text));
}

void Narrator::flush() {
  {
    std::lock_guard lock(state_->narration);
    state_->end_run();
  }
  if (!state_->paced()) return;
  std::unique_lock lock(state_->mutex);
  state_->changed.wait(lock, [&] { return state_->queue.empty() && !state_->printing; });
}

void Narrator::set_pausing(bool on) { state_->pausing = on; }

}  // namespace speak
