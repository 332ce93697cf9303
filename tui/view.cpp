#include "view.hpp"
#include "speak/language.hpp"
#include "speak/terminal.hpp"
#include "speak/text.hpp"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <clocale>
#include <cstdio>

#include "sticky/bytes.hpp"
#include "sticky/provenance.hpp"

namespace view {

using speak::_;
using speak::N_;

namespace {

constexpr int kMinWidth = 80, kMinHeight = 24;
constexpr short kPairTitle = 10;

int message_attr(std::uint64_t msg, bool colour) {
  if (msg == 0) return A_NORMAL;
  if (colour) return static_cast<int>(COLOR_PAIR(static_cast<short>(1 + (msg - 1) % 6)));
  return (msg % 2) ? A_BOLD : A_UNDERLINE;  // monochrome: alternate, and the [n] markers
}

// Writes at most `width` columns of UTF-8 text at (y, x); returns columns used.
int put(int y, int x, const std::string& text, int width, int attr = A_NORMAL) {
  if (width <= 0) return 0;
  std::string clipped(speak::fit_columns(text, static_cast<std::size_t>(width)));
  std::wstring wide(clipped.size(), L'\0');
  std::mbstate_t state{};
  const char* src = clipped.c_str();
  std::size_t n = std::mbsrtowcs(wide.data(), &src, wide.size(), &state);
  if (n == static_cast<std::size_t>(-1)) wide.assign(clipped.begin(), clipped.end());
  else wide.resize(n);
  attron(attr);
  mvaddnwstr(y, x, wide.c_str(), static_cast<int>(wide.size()));
  attroff(attr);
  return static_cast<int>(speak::display_width(clipped));
}

// Like put(), but a text too wide is cut at a word boundary and ends in "…", never mid-word.
int put_words(int y, int x, const std::string& text, int width, int attr = A_NORMAL) {
  auto columns = [](const std::string& t) { return static_cast<int>(speak::display_width(t)); };
  if (columns(text) <= width) return put(y, x, text, width, attr);
  std::string cut = text;
  while (!cut.empty() && columns(cut) > width - 1) {
    auto space = cut.find_last_of(' ');
    if (space == std::string::npos || space == 0) {
      return put(y, x, text, width, attr);  // one long word: clip it
    }
    cut.resize(space);
  }
  return put(y, x, cut + "…", width, attr);
}

void box_at(int y, int x, int h, int w, const std::string& title, bool focused) {
  if (h < 2 || w < 2) return;
  int attr = focused ? A_BOLD : A_NORMAL;
  attron(attr);
  mvhline(y, x + 1, ACS_HLINE, w - 2);
  mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
  mvvline(y + 1, x, ACS_VLINE, h - 2);
  mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
  mvaddch(y, x, ACS_ULCORNER);
  mvaddch(y, x + w - 1, ACS_URCORNER);
  mvaddch(y + h - 1, x, ACS_LLCORNER);
  mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
  attroff(attr);
  put(y, x + 2, " " + title + " ", w - 4, attr);
}

// A call's bytes as lines of `width` columns: "[1]hello[2]world", each span in its colour.
struct Piece {
  std::string text;
  int attr;
};
using Line = std::vector<Piece>;

std::vector<Line> wrap_spans(const Call& call, int width, std::size_t max_lines, bool colour) {
  std::vector<Line> lines(1);
  int used = 0;
  auto emit = [&](const std::string& text, int attr) {
    if (used + static_cast<int>(text.size()) > width && used > 0) {
      lines.emplace_back();
      used = 0;
    }
    lines.back().push_back({text, attr});
    used += static_cast<int>(text.size());
  };
  for (const auto& span : call.spans) {
    int attr = message_attr(span.msg, colour);
    std::string marker = span.msg ? fmt::format("[{}{}]", span.starts_message ? "" : "…", span.msg) : "";
    if (!marker.empty()) emit(marker, attr | A_REVERSE);
    std::string text = sticky::printable(call.bytes(span));
    // Cut between whole characters and whole escapes, each counted as the terminal shows it.
    std::size_t at = 0;
    while (at < text.size()) {
      int room = std::max(1, width - used);
      std::size_t take = 0, cols = 0;
      while (at + take < text.size() && static_cast<int>(cols) < room) {
        auto c = static_cast<unsigned char>(text[at + take]);
        std::size_t len = speak::character_length(text, at + take);
        std::size_t width_of = speak::display_width(std::string_view(text).substr(at + take, len));
        if (c == '\\') len = width_of = at + take + 1 < text.size() && text[at + take + 1] == 'x' ? 4 : 2;  // \n, \xff: never split
        if (take > 0 && static_cast<int>(cols + width_of) > room) break;
        take += len;
        cols += width_of;
      }
      emit(text.substr(at, take), attr);
      at += take;
      if (at < text.size()) {
        lines.emplace_back();
        used = 0;
      }
      if (lines.size() > max_lines) break;
    }
    if (lines.size() > max_lines) break;
  }
  if (call.data.empty()) lines.back().push_back({call.is_send ? _("(nothing)") : fmt::format(fmt::runtime(_("(0 bytes: {})")), _(call.origin.c_str())), A_DIM});
  if (lines.size() > max_lines) {
    lines.resize(max_lines);
    lines.back().push_back({"…", A_DIM});
  }
  return lines;
}

void draw_line(int y, int x, const Line& line, int width) {
  for (const auto& piece : line) {
    int used = put(y, x, piece.text, width, piece.attr);
    x += used;
    width -= used;
    if (width <= 0) break;
  }
}

void draw_hex(const Call& call, int y, int x, int h, int w, bool colour) {
  // xxd style: offset, 16 bytes in pairs, the text; each byte in its message's colour.
  std::vector<std::uint64_t> owner;
  for (const auto& s : call.spans) owner.insert(owner.end(), s.size, s.msg);
  std::size_t rows = static_cast<std::size_t>(std::max(0, h));
  for (std::size_t row = 0; row < rows && row * 16 < call.data.size(); ++row) {
    if (row + 1 == rows && (row + 1) * 16 < call.data.size()) {
      put(y + static_cast<int>(row), x, fmt::format(fmt::runtime(_("… {} more bytes")), call.data.size() - row * 16), w, A_DIM);
      break;
    }
    int cx = x + put(y + static_cast<int>(row), x, fmt::format("{:08x}: ", row * 16), w);
    std::string ascii;
    for (std::size_t i = row * 16; i < std::min(call.data.size(), row * 16 + 16); ++i) {
      auto c = static_cast<unsigned char>(call.data[i]);
      int attr = message_attr(i < owner.size() ? owner[i] : 0, colour);
      cx += put(y + static_cast<int>(row), cx, fmt::format("{:02x}", c), 2, attr);
      if (i % 2 == 1) cx += put(y + static_cast<int>(row), cx, " ", 1);
      ascii.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
    }
    put(y + static_cast<int>(row), x + 10 + 40 + 1, ascii, w - 51);
  }
}

}  // namespace

Screen::Screen(bool colour, bool from_tty_device) : colour_(colour) {
  std::setlocale(LC_ALL, "");
  if (from_tty_device) {
    // The trace came on stdin, so keys come from the terminal itself.
    FILE* tty = std::fopen("/dev/tty", "r+");
    if (!tty || !newterm(nullptr, stdout, tty)) throw std::runtime_error("cannot open /dev/tty for the keyboard");
  } else {
    initscr();
  }
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  set_escdelay(25);
  if (colour_ && has_colors()) {
    start_color();
    use_default_colors();
    // Each message is text on a background of its own, in pairs that read the same on a
    // dark terminal and on a white projector screen: a coloured foreground on the default
    // background (yellow on white, blue on black) fades on one of them.
    const short pairs[][2] = {{COLOR_BLACK, COLOR_CYAN},  {COLOR_BLACK, COLOR_YELLOW}, {COLOR_WHITE, COLOR_MAGENTA},
                              {COLOR_BLACK, COLOR_GREEN}, {COLOR_WHITE, COLOR_BLUE},   {COLOR_WHITE, COLOR_RED}};
    for (short i = 0; i < 6; ++i) init_pair(static_cast<short>(i + 1), pairs[i][0], pairs[i][1]);
    init_pair(kPairTitle, COLOR_BLACK, COLOR_CYAN);
  } else {
    colour_ = false;
  }
}

Screen::~Screen() { endwin(); }

int Screen::read_key(int timeout_ms) {
  timeout(timeout_ms);
  return getch();
}

void Screen::draw_menu(const std::vector<LessonInfo>& lessons, int selected) {
  erase();
  int h = LINES, w = COLS;
  put(0, 0, std::string(static_cast<std::size_t>(w), ' '), w, A_REVERSE);
  put(0, 1, _("sticky-view — choose a demo"), w - 2, A_REVERSE | A_BOLD);
  put(2, 2, _("TCP is a byte stream: watch sends stick together (粘包) and split apart (拆包)."), w - 4);
  for (std::size_t i = 0; i < lessons.size() && static_cast<int>(i) + 4 < h - 2; ++i) {
    int attr = static_cast<int>(i) == selected ? A_REVERSE : A_NORMAL;
    put(4 + static_cast<int>(i), 2, fmt::format(" {:<22} {} ", lessons[i].name, lessons[i].title), w - 4, attr);
  }
  if (lessons.empty()) put(4, 2, _("No lessons found: run with --demo NN or --replay FILE."), w - 4);
  put(h - 1, 0, _(" ↑/↓ choose   Enter run it   q quit "), w, A_REVERSE);
  refresh();
}

namespace {

// Where each panel goes on a screen of w x h.
struct Layout {
  int w, h;
  int calls_y, calls_h, half;
  int hex_y, hex_h;
  int decoder_y;  // -1: no decoder line
};

Layout layout_for(int w, int h, bool has_decoder) {
  Layout l{w, h, 3, 0, w / 2, 0, std::clamp(h / 4, 6, 14), -1};
  int bottom = h - 2;  // status line at h-2, keys at h-1
  if (has_decoder) l.decoder_y = bottom - 1;
  l.hex_y = (has_decoder ? l.decoder_y : bottom) - l.hex_h;
  l.calls_h = l.hex_y - l.calls_y;
  return l;
}

void draw_title_panel(const Model& model, const Ui& ui, const Layout& l, bool colour) {
  int title_attr = colour ? static_cast<int>(COLOR_PAIR(kPairTitle)) : A_REVERSE;
  put(0, 0, std::string(static_cast<std::size_t>(l.w), ' '), l.w, title_attr);
  std::string step = fmt::format("step {}/{}{}", model.shown(), model.event_count(), ui.playing ? " ▶" : "");
  put_words(0, 1, fmt::format("sticky-view · {}", model.title().empty() ? ui.source : model.title()),
      l.w - 2 - static_cast<int>(step.size()) - 2, title_attr | A_BOLD);
  put(0, l.w - 1 - static_cast<int>(step.size()), step, static_cast<int>(step.size()), title_attr);
  put_words(1, 1, model.claim(), l.w - 2, A_DIM);
  std::string heading = model.heading();
  put_words(2, 1, heading.empty() ? (model.shown() == 0 ? _("Press space to step through the trace, p to play.") : "") : "▶ " + heading,
      l.w - 2, A_BOLD);
}

// Sent on the left, received on the right; time flows down: every call starts below the one
// before it, whichever column it is in.
void draw_calls_panel(const Model& model, const Ui& ui, const Layout& l, bool colour) {
  box_at(l.calls_y, 0, l.calls_h, l.half, _("sent: each send() call"), ui.pane == 0);
  box_at(l.calls_y, l.half, l.calls_h, l.w - l.half, _("received: each recv() call"), ui.pane == 1);
  int inner_w = l.half - 2;
  std::size_t max_lines = l.h >= 40 ? 6 : 3;
  auto selected = model.selected();
  struct Block {
    std::size_t call;
    std::vector<Line> lines;
  };
  // The selected call is the last one fully in view; wrap only the calls that fit above it,
  // so a million-call trace draws as fast as a short one.
  std::deque<Block> blocks;
  int room = l.calls_h - 2, need = 0;
  for (auto i = selected; i; i = model.previous_visible(*i)) {
    auto lines = wrap_spans(model.calls()[*i], inner_w - 3, max_lines, colour);
    if (need + 1 + static_cast<int>(lines.size()) > room && !blocks.empty()) break;
    need += 1 + static_cast<int>(lines.size());
    blocks.push_front({*i, std::move(lines)});
  }
  std::size_t first = 0;
  int y = l.calls_y + 1;
  for (std::size_t b = first; b < blocks.size() && y < l.calls_y + l.calls_h - 1; ++b) {
    const Call& c = model.calls()[blocks[b].call];
    int x = (c.is_send ? 0 : l.half) + 1;
    bool is_selected = selected && blocks[b].call == *selected;
    std::string head = fmt::format("{}{} {} → {} B{}", is_selected ? "▸" : " ", c.side(), c.label(), c.moved,
                                   c.truncated ? " TRUNCATED" : "");
    put(y++, x, head, inner_w, is_selected ? A_BOLD | A_UNDERLINE : A_BOLD);
    for (const auto& line : blocks[b].lines) {
      if (y >= l.calls_y + l.calls_h - 1) break;
      draw_line(y++, x + 2, line, inner_w - 2);
    }
  }
  if (blocks.empty()) put(l.calls_y + 2, 2, _("(no calls yet)"), inner_w, A_DIM);
}

void draw_hex_panel(const Model& model, const Ui& ui, const Layout& l, bool colour) {
  auto selected = model.selected();
  std::string title = _("hex");
  if (selected) {
    const Call& c = model.calls()[*selected];
    title = fmt::format(fmt::runtime(_("hex: {} {} — {}")), c.side(), c.label(), speak::byte_count(c.moved).local);
  }
  box_at(l.hex_y, 0, l.hex_h, l.w, title, ui.pane == 2);
  if (selected) draw_hex(model.calls()[*selected], l.hex_y + 1, 2, l.hex_h - 2, l.w - 4, colour);
}

void draw_decoder_line(const DecoderState& decoder, const Layout& l) {
  // Most important first: at 80 columns the codec's description is what gives way.
  std::string text = fmt::format(fmt::runtime(_("decoder: frames {} · header {}/{} · length {} · buffered {}")), decoder.frames,
                                 decoder.header_seen, decoder.header_size,
                                 decoder.expected ? std::to_string(*decoder.expected) : "?", decoder.buffered);
  if (!decoder.error.empty()) text += " · " + decoder.error;
  text += " · " + decoder.codec;
  put_words(l.decoder_y, 1, text, l.w - 2, A_BOLD);
}

// The note in force, the result, or the viewer's own message.
void draw_status_line(const Model& model, const Ui& ui, const Layout& l) {
  std::string status = ui.status;
  if (status.empty()) status = model.note();
  if (auto r = model.result(); r && model.at_end()) status = _("Result: ") + *r;
  if (model.connection()) status = fmt::format(fmt::runtime(_("[connection {} of {}] ")), model.connection(), model.connections().size()) + status;
  put_words(l.h - 2, 1, status, l.w - 2);
}

void draw_key_bar(const Ui& ui, const Layout& l) {
  std::string speed = fmt::format(fmt::runtime(_("{:>2} ev/s")), ui.speed);
  put(l.h - 1, 0, std::string(static_cast<std::size_t>(l.w), ' '), l.w, A_REVERSE);
  put(l.h - 1, 0, key_bar(l.w - 11), l.w - 11, A_REVERSE);
  put(l.h - 1, l.w - 10, speed, 10, A_REVERSE);
}

void draw_help_overlay(const Layout& l) {
  int bw = std::min(l.w, 64), bh = static_cast<int>(keymap().size()) + 4;
  int by = std::max(0, (l.h - bh) / 2), bx = std::max(0, (l.w - bw) / 2);
  for (int r = 0; r < bh; ++r) put(by + r, bx, std::string(static_cast<std::size_t>(bw), ' '), bw);
  box_at(by, bx, bh, bw, _("keys (any key closes)"), true);
  int r = by + 2;
  for (const auto& b : keymap()) put(r++, bx + 3, fmt::format("{:<10} {}", b.keys_text, _(b.help)), bw - 6);
}

}  // namespace

void Screen::draw(const Model& model, const Ui& ui) {
  erase();
  int h = LINES, w = COLS;
  if (w < kMinWidth || h < kMinHeight) {
    put(h / 2 - 1, 0, fmt::format(fmt::runtime(_("sticky-view needs at least {}x{}; this terminal is {}x{}.")), kMinWidth, kMinHeight, w, h), w);
    put(h / 2, 0, _("Make it larger, or press q to quit."), w);
    refresh();
    return;
  }
  auto selected = model.selected();
  std::optional<DecoderState> decoder = selected ? model.decoder_after(*selected) : std::nullopt;
  Layout l = layout_for(w, h, decoder.has_value());
  draw_title_panel(model, ui, l, colour_);
  draw_calls_panel(model, ui, l, colour_);
  draw_hex_panel(model, ui, l, colour_);
  if (decoder) draw_decoder_line(*decoder, l);
  draw_status_line(model, ui, l);
  draw_key_bar(ui, l);
  if (ui.help) draw_help_overlay(l);
  refresh();
}

}  // namespace view
