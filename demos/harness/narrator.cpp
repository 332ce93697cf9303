#include "harness/narrator.hpp"
#include "harness/text.hpp"

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

namespace harness {

using sticky::Op;
using sticky::Side;

// ------------------------------------------------------------------------ text on a terminal

namespace {

// The code point at text[i] and its length in bytes (1 for a stray byte).
std::pair<char32_t, std::size_t> code_point(std::string_view text, std::size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
  if (i + n > text.size()) return {c, 1};
  char32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
  return {cp, n};
}

std::size_t columns_of(char32_t cp) {
  if (cp >= 0x300 && cp <= 0x36f) return 0;  // combining marks
  bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
              (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
              (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

// Length of an escape sequence of colour ("\033[1;36m") at text[i], or 0.
std::size_t escape_at(std::string_view text, std::size_t i) {
  if (text[i] != '\033' || i + 1 >= text.size() || text[i + 1] != '[') return 0;
  std::size_t j = i + 2;
  while (j < text.size() && !(text[j] >= 0x40 && text[j] <= 0x7e)) ++j;
  return j < text.size() ? j - i + 1 : text.size() - i;
}

}  // namespace

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (std::size_t esc = escape_at(text, i)) {
      i += esc;
      continue;
    }
    auto [cp, n] = code_point(text, i);
    width += columns_of(cp);
    i += n;
  }
  return width;
}

std::mutex& screen() {
  static std::mutex terminal;
  return terminal;
}

std::string pad(const std::string& text, std::size_t columns) {
  std::size_t width = display_width(text);
  return width >= columns ? text : text + std::string(columns - width, ' ');
}

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

namespace {

bool closing_mark(char32_t cp) {
  return std::u32string_view(U"，。、；：！？）」』”’》…—),.;:!?'\"").find(cp) != std::u32string_view::npos;
}
bool opening_mark(char32_t cp) { return std::u32string_view(U"（「『“‘《(\"'").find(cp) != std::u32string_view::npos; }

// Where to break `line` so that its first part fits in `room` columns: the last space that
// fits, one outside "quoted bytes" if that does not waste half the line. npos: no space.
std::size_t break_point(std::string_view line, std::size_t room) {
  std::size_t lead = line.find_first_not_of(' ');  // indentation is not a word boundary
  if (lead == std::string_view::npos) return std::string_view::npos;
  std::size_t outside = std::string_view::npos, any = std::string_view::npos, outside_used = 0;
  std::size_t used = 0;
  bool quoted = false;
  char32_t previous = 0;
  const bool chinese = sticky::current_language() == sticky::Language::chinese;
  for (std::size_t i = 0; i < line.size();) {
    if (std::size_t esc = escape_at(line, i)) {
      i += esc;
      continue;
    }
    char c = line[i];
    auto [cp, n] = code_point(line, i);
    // Chinese breaks between any two characters, but not before a closing mark (，。) nor
    // after an opening one (（“). (English narration breaks at spaces only, as it always did.)
    bool between_wide = chinese && i > lead && c != ' ' && line[i - 1] != ' ' && (columns_of(cp) == 2 || columns_of(previous) == 2) &&
                        !closing_mark(cp) && !opening_mark(previous);
    if ((c == ' ' && i > lead && line[i - 1] != ' ') || between_wide) {
      if (used > room) {
        if (any == std::string_view::npos) return i;  // the first word is too long: overflow here
        break;
      }
      any = i;
      if (!quoted) {
        outside = i;
        outside_used = used;
      }
    }
    if (c == '"' && (i == 0 || line[i - 1] != '\\')) quoted = !quoted;
    used += columns_of(cp);
    previous = cp;
    i += n;
  }
  if (outside != std::string_view::npos && outside_used * 2 >= room) return outside;
  return any;
}

std::string wrap_line(std::string_view line, std::size_t width, std::size_t indent) {
  std::string out;
  bool first = true;
  for (;;) {
    std::size_t room = first ? width : width > indent + 20 ? width - indent : 20;
    std::string margin = first ? "" : std::string(indent, ' ');
    std::size_t cut = display_width(line) <= room ? std::string_view::npos : break_point(line, room);
    if (cut == std::string_view::npos) return out + margin + std::string(line);
    out += margin + std::string(line.substr(0, cut)) + "\n";
    std::size_t next = line.find_first_not_of(' ', cut);
    if (next == std::string_view::npos) {
      out.pop_back();
      return out;
    }
    line = line.substr(next);
    first = false;
  }
}

}  // namespace

std::string wrap(std::string_view text, std::size_t width, std::size_t indent) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    std::size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += wrap_line(line, width, indent);
    if (nl == std::string_view::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

std::size_t output_width(int fd) {
  winsize size{};
  if (::isatty(fd) && ::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) return size.ws_col;
  return 80;
}

std::string preview(std::string_view bytes, std::size_t limit) {
  std::string text = sticky::printable(bytes);
  if (display_width(text) <= limit) return "\"" + text + "\"";
  // Cut between whole characters and whole escapes ("\n", "\xd4"), never inside one.
  std::vector<std::string_view> units;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = text[i] == '\\' ? (i + 1 < text.size() && text[i + 1] == 'x' ? 4 : 2) : code_point(text, i).second;
    n = std::min(n, text.size() - i);
    units.push_back(std::string_view(text).substr(i, n));
    i += n;
  }
  std::size_t head = limit * 2 / 3, tail = limit - head;
  std::string front, back;
  std::size_t used = 0, first = 0;
  for (; first < units.size() && used + display_width(units[first]) <= head; ++first) {
    used += display_width(units[first]);
    front += units[first];
  }
  used = 0;
  for (std::size_t last = units.size(); last > first && used + display_width(units[last - 1]) <= tail; --last) {
    used += display_width(units[last - 1]);
    back.insert(0, units[last - 1]);
  }
  return "\"" + front + "…" + back + "\"";
}

// ------------------------------------------------------------------------ hints for lengths

std::string length_hint(const sticky::LengthOptions& o, std::string_view header, bool endian_option) {
  if (header.size() < o.offset + static_cast<std::size_t>(o.width)) return {};
  std::string_view field = header.substr(o.offset, static_cast<std::size_t>(o.width));
  std::vector<Text> hints;
  bool text = std::all_of(field.begin(), field.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t';
  });
  if (text)
    hints.push_back(tr("its {} bytes are \"{}\": this stream looks like text, not a length-prefixed one", field.size(),
                       sticky::printable(field)));
  if (o.width > 1) {
    // The same bytes in the other byte order.
    std::uint64_t value = 0;
    for (int i = 0; i < o.width; ++i) {
      int at = o.big_endian ? i : o.width - 1 - i;  // reversed
      value |= std::uint64_t(static_cast<unsigned char>(field[static_cast<std::size_t>(at)])) << (8 * i);
    }
    std::int64_t as_signed = static_cast<std::int64_t>(value);
    if (o.is_signed && o.width < 8 && (value >> (8 * o.width - 1)) & 1) as_signed -= std::int64_t(1) << (8 * o.width);
    std::int64_t other = o.is_signed ? as_signed : static_cast<std::int64_t>(value);
    bool fits = (o.is_signed || o.width < 8 || (value >> 63) == 0) && other >= 0 &&
                other + o.adjust >= 0 && static_cast<std::uint64_t>(other + o.adjust) <= o.max_frame;
    if (fits) {
      bool python_i = !o.big_endian && o.is_signed && o.width == 4;
      Text try_this = !o.big_endian ? python_i ? tr("without --python-i (big-endian is the default)") : same("--endian big")
                      : !endian_option ? same("--python-i")
                      : o.width == 4 ? tr("--endian little or --python-i")
                                     : same("--endian little");
      hints.push_back(o.big_endian ? tr("read little-endian it is {}: try {}", other, try_this)
                                   : tr("read big-endian it is {}: try {}", other, try_this));
    }
  }
  return join(hints, tr("; ")).english;  // remembered: localize() shows it translated
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

}  // namespace harness
