// sticky-view — the classroom viewer: what each send() passed on the left, what each recv()
// returned on the right, every byte coloured and numbered by the message it came from.
//
//   sticky-view                          start screen: pick a demo
//   sticky-view --demo 01                run demo 01 and step through it
//   sticky-view --replay trace.jsonl     a saved trace (--replay - reads stdin)
//   sticky-view --proxy 9100 --to 127.0.0.1:9005 [--split down:1]   live, between two programs
//   sticky-view --replay t.jsonl --export-svg t.svg                 a picture, no terminal needed
//   sticky-view --demo 05 --export-html t.html                      a page to step through in a browser
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "speak/command_line.hpp"
#include "speak/language.hpp"
#include "speak/text.hpp"
#include "model.hpp"
#include "sticky/relay.hpp"
#include "sticky/trace_json.hpp"
#include "fit.hpp"
#include "html.hpp"
#include "sources.hpp"
#include "svg.hpp"
#include "view.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested = true; }

using view::Source;
using view::find_demo;
using view::find_lessons;

void title_from_lessons(view::Model& model, const fs::path& lessons, const std::string& name) {
  for (const auto& l : view::read_lessons(lessons.string()))
    if (!name.empty() && (l.name == name || l.name.starts_with(name.substr(0, 3)))) {
      model.set_title(l.name + " — " + l.title, l.claim);
      return;
    }
  model.set_title(name, "");
}

bool show(view::Screen& screen, view::Model& model, Source& source, view::Ui& ui);

// The hex pane's first line after a hex key: a page less one line of context, or either end.
std::size_t scroll_hex(const view::Call& call, view::Action action, std::size_t first, std::size_t shown) {
  std::size_t page = shown > 2 ? shown - 1 : 1;
  switch (action) {
    case view::Action::hex_down: first += page; break;
    case view::Action::hex_up: first = first > page ? first - page : 0; break;
    case view::Action::hex_first: first = 0; break;
    default: first = view::hex_lines(call); break;  // hex_last: clamped to the last window below
  }
  return view::clamp_hex_line(call, shown, first);
}

int run_viewer(view::Model& model, std::unique_ptr<Source> source, view::Ui ui, bool colour, bool keys_from_tty,
               const std::vector<view::LessonInfo>& menu, const std::function<std::unique_ptr<Source>(std::size_t)>& start) {
  view::Screen screen(colour, keys_from_tty);
  const bool from_menu = !source;
  const view::Ui fresh_ui = ui;
  for (;;) {
    if (!source) {  // the start screen
      int choice = 0;
      for (;;) {
        if (stop_requested) return 0;
        screen.draw_menu(menu, choice);
        int key = screen.read_key(100);
        auto action = view::action_for(key);
        if (action == view::Action::quit) return 0;
        if (action == view::Action::up) choice = std::max(0, choice - 1);
        if (action == view::Action::down) choice = std::min(static_cast<int>(menu.size()) - 1, choice + 1);
        if (action == view::Action::choose && !menu.empty()) {
          const auto& lesson = menu[static_cast<std::size_t>(choice)];
          source = start(static_cast<std::size_t>(choice));
          model.set_title(lesson.name + " — " + lesson.title, lesson.claim);
          ui.source = "demo " + lesson.name;
          break;
        }
      }
    }
    if (!show(screen, model, *source, ui)) return 0;
    if (!from_menu) return 0;
    // q or Esc inside a demo chosen from the list: back to the list.
    source.reset();
    model = view::Model{};
    ui = fresh_ui;
  }
}

// Steps through one source until q (true) or a stop signal (false).
// Reads a source to its end for a picture or a page. A file comes in 4 MiB batches, read
// one after the other; only a demo's pipe with nothing in it is waited on.
template <class Take>
void read_to_end(Source& source, Take take) {
  while (true) {
    auto events = source.read();
    bool got = !events.empty();
    take(std::move(events));
    if (source.finished()) return;
    if (!got) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool show(view::Screen& screen, view::Model& model, Source& source_ref, view::Ui& ui) {
  Source* source = &source_ref;
  auto last_step = Clock::now();
  bool follow = source->live() && ui.playing;
  std::optional<std::size_t> hex_of;  // the call the hex pane scrolled in
  while (!stop_requested) {
    bool was_at_end = model.at_end();
    model.add(source->read());
    if (follow && was_at_end) model.end();  // live: show each event as it arrives
    if (ui.status.empty() || ui.status == source->status()) ui.status = source->status();
    if (ui.playing && !follow && Clock::now() - last_step >= std::chrono::milliseconds(1000 / ui.speed)) {
      model.next();
      last_step = Clock::now();
      if (model.at_end() && !source->live()) ui.playing = false;
    }
    if (model.selected() != hex_of) {  // another call: its hex from its first byte
      hex_of = model.selected();
      ui.hex_line = 0;
    }
    screen.draw(model, ui);
    int key = screen.read_key(40);
    if (key == view::kNoKey) continue;
    if (ui.help) {
      ui.help = false;
      continue;
    }
    switch (view::action_for(key)) {
      case view::Action::next: model.next(); break;
      case view::Action::back: follow = false; model.back(); break;
      case view::Action::home: follow = false; model.home(); break;
      case view::Action::end: model.end(); break;
      case view::Action::play:
        ui.playing = !ui.playing;
        follow = ui.playing && source->live();
        last_step = Clock::now();
        break;
      case view::Action::faster: ui.speed = std::min(64, ui.speed * 2); break;
      case view::Action::slower: ui.speed = std::max(1, ui.speed / 2); break;
      case view::Action::up: model.select_previous(); break;
      case view::Action::down: model.select_next(); break;
      case view::Action::hex_down:
      case view::Action::hex_up:
      case view::Action::hex_first:
      case view::Action::hex_last:
        if (hex_of) ui.hex_line = scroll_hex(model.calls()[*hex_of], view::action_for(key), ui.hex_line, screen.hex_shown());
        break;
      case view::Action::pane: ui.pane = (ui.pane + 1) % 3; break;
      case view::Action::connection: model.next_connection(); break;
      case view::Action::help: ui.help = true; break;
      case view::Action::quit: return true;
      default: break;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The classroom viewer: sends on the left, recvs on the right, every byte coloured by its message.", "sticky-view"};
  std::string demo, to, svg, html, lessons_dir, follow;
  std::vector<std::string> replay;
  int proxy_port = -1;
  std::size_t svg_calls = 24;
  bool mono = false, no_color = false, predict = false;
  std::string lang;
  speak::cli::ShapingArgs shaping;
  auto* demo_opt = app.add_option("--demo", demo, "run demo NN (01, 5, 05-struct-prefix …) and show its trace");
  auto* replay_opt = app.add_option("--replay", replay,
                                    "show saved traces (a demo's --json, sticky-trace -o); several are merged; - for stdin");
  auto* follow_opt = app.add_option("--follow", follow, "show a trace that is still being written, live (sticky-trace -o FILE)");
  auto* proxy_opt = app.add_option("--proxy", proxy_port, "listen on this port and relay to --to, showing both directions live")
                        ->check(CLI::Range(0, 65535));
  app.add_option("--to", to, "the server behind --proxy: HOST:PORT or unix:PATH");
  speak::cli::add_shaping_options(app, shaping);  // for --proxy
  app.add_option("--export-svg", svg, "write the trace as an SVG picture to FILE and exit (no terminal needed)");
  app.add_option("--export-html", html,
                 "write the trace as one self-contained HTML page to FILE and exit: it steps through the trace "
                 "in any browser, offline, with the keys below");
  app.add_flag("--predict", predict, "--export-html: the page asks before each recv() how many bytes it will return");
  app.add_option("--calls", svg_calls, "--export-svg: how many calls to draw")->capture_default_str();
  app.add_option("--lessons", lessons_dir, "where the lessons are (for titles and claims)");
  app.add_flag("--mono", mono, "no colour: messages are told apart by their [n] markers");
  app.add_flag("--no-color", no_color, "the same as --mono (also: NO_COLOR)");
  app.add_option("--lang", lang, "en or zh (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)");
  demo_opt->excludes(replay_opt)->excludes(proxy_opt)->excludes(follow_opt);
  replay_opt->excludes(proxy_opt)->excludes(follow_opt);
  follow_opt->excludes(proxy_opt);
  app.footer("\nKeys: " + view::key_list() + ".\nNeeds an 80x24 terminal or larger.");
  if (auto status = speak::cli::parse(app, argc, argv)) return *status;

  return speak::run("sticky-view", [&] {
    speak::use_language(speak::choose_language(lang));
    if (proxy_port >= 0 && to.empty()) throw std::invalid_argument("--proxy needs --to HOST:PORT");
    if (!svg.empty() && demo.empty() && replay.empty()) throw std::invalid_argument("--export-svg needs --demo or --replay");
    if (!html.empty() && demo.empty() && replay.empty()) throw std::invalid_argument("--export-html needs --demo or --replay");
    std::string first_replay = replay.empty() ? std::string{} : replay.front();
    auto lessons = find_lessons(lessons_dir);
    // In Chinese, titles and claims come from the Chinese lessons.
    if (speak::current_language() == speak::Language::chinese && fs::is_directory(lessons / "zh")) lessons /= "zh";
    view::Model model;
    std::unique_ptr<Source> source;
    view::Ui ui;
    if (!replay.empty()) {
      source = view::replay_source(replay);
      ui.source = "replay " + first_replay + (replay.size() > 1 ? fmt::format(" + {} more", replay.size() - 1) : "");
      auto stem = fs::path(first_replay).filename().string();
      // "05-struct-prefix.jsonl", "05.jsonl": the lesson numbered 05.
      bool numbered = stem.size() >= 2 && std::isdigit(static_cast<unsigned char>(stem[0])) &&
                      std::isdigit(static_cast<unsigned char>(stem[1]));
      title_from_lessons(model, lessons, numbered ? stem.substr(0, 2) + "-" : "");
      if (model.title().empty()) model.set_title(ui.source, "");
    } else if (!follow.empty()) {
      source = view::follow_source(follow);
      ui.source = "follow " + follow;
      model.set_title("following " + follow, "Live: each program's send() on the left, what the other received on the right.");
      ui.playing = true;
    } else if (!demo.empty()) {
      auto binary = find_demo(demo);
      ui.source = "demo " + binary.filename().string();
      title_from_lessons(model, lessons, binary.filename().string());
      source = view::demo_source(binary);
    } else if (proxy_port >= 0) {
      sticky::RelayOptions options;
      options.listen = sticky::Address::ip("127.0.0.1", static_cast<std::uint16_t>(proxy_port));
      options.target = sticky::Address::parse(to);
      speak::cli::apply_shaping(shaping, options);
      source = view::proxy_source(options);
      ui.source = fmt::format("proxy :{} → {}", proxy_port, to);
      model.set_title(fmt::format("proxy 127.0.0.1:{} → {}", proxy_port, to), "Live: each side's send() on the left, what the other side received on the right.");
      ui.playing = true;
    }

    if (!svg.empty()) {
      read_to_end(*source, [&](std::vector<sticky::TraceEvent> events) { model.add(std::move(events)); });
      if (model.calls().empty())
        throw std::runtime_error("the trace has no send or recv calls: there is nothing to draw, so no picture was written");
      std::ofstream out(svg);
      out << view::to_svg(model, svg_calls);
      if (!out) throw std::runtime_error("cannot write " + svg);
      fmt::print("wrote {} ({} calls of {})\n", svg, std::min(svg_calls, model.calls().size()), model.calls().size());
      return 0;
    }

    if (!html.empty()) {
      // The whole trace into the page, then the page to its file.
      view::Page page({.predict = predict});
      page.model().set_title(model.title(), model.claim());
      read_to_end(*source, [&](std::vector<sticky::TraceEvent> events) {
        for (auto& e : events) page.add(std::move(e));
      });
      if (page.model().event_count() == 0) throw std::runtime_error("the trace has no events: no page was written");
      std::string text = page.html();
      std::ofstream out(html, std::ios::binary);
      out << text;
      if (!out.flush()) throw std::runtime_error("cannot write " + html);
      fmt::print("wrote {} ({} events, {} calls, {} KiB)\n", html, page.model().event_count(), page.model().calls().size(),
                 (text.size() + 1023) / 1024);
      return 0;
    }

    bool keys_from_tty = first_replay == "-" || !::isatty(0);
    if (!::isatty(1)) throw std::invalid_argument("sticky-view draws on a terminal; use --export-svg FILE for a picture");
    bool colour = !mono && !no_color && !std::getenv("NO_COLOR");
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    auto menu = view::read_lessons(lessons.string());
    auto start = [&](std::size_t i) -> std::unique_ptr<Source> { return view::demo_source(find_demo(menu[i].name)); };
    return run_viewer(model, std::move(source), ui, colour, keys_from_tty, menu, start);
  });
}
