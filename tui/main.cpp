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
#include "svg.hpp"
#include "view.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested = true; }

fs::path self_dir() { return fs::read_symlink("/proc/self/exe").parent_path(); }

fs::path find_lessons(const std::string& given) {
  if (!given.empty()) return given;
  for (auto p : {self_dir() / "../../lessons", fs::path("lessons")})
    if (fs::is_directory(p)) return p;
  return "lessons";
}

// A demo binary next to ours: "1", "01" or "01-nagle-merge" -> build/bin/01-nagle-merge.
fs::path find_demo(std::string number) {
  if (number.size() == 1) number = "0" + number;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(self_dir(), ec)) {
    auto name = entry.path().filename().string();
    if (name.size() > 3 && name.starts_with(number.substr(0, 2) + "-") && (number.size() == 2 || name == number))
      return entry.path();
  }
  throw std::invalid_argument("no demo numbered '" + number + "' next to sticky-view");
}

// Where events come from; read() hands over what has arrived since the last call.
class Source {
 public:
  virtual ~Source() = default;
  virtual std::vector<sticky::TraceEvent> read() = 0;
  virtual bool live() const { return false; }
  // Nothing more will come (a live source never finishes).
  virtual bool finished() const { return !live(); }
  virtual std::string status() const { return {}; }
};

// One trace file, or several merged: the traces of a server and its clients, recorded by
// sticky-trace in different processes, ordered by their shared clock. One file is read in
// batches, so a million events never sit in memory twice and the screen draws meanwhile.
class ReplaySource : public Source {
 public:
  explicit ReplaySource(const std::vector<std::string>& files) : files_(files) {
    if (files.size() == 1) {
      if (files[0] != "-") open(file_, files[0]);
      return;
    }
    for (const auto& file : files) {
      std::ifstream in;
      if (file != "-") open(in, file);
      try {
        for (auto& e : sticky::read_trace(file == "-" ? std::cin : in)) merged_.push_back(std::move(e));
      } catch (const std::exception& e) {
        throw std::runtime_error(file + " " + e.what());
      }
    }
    // t_us of a recorded program is CLOCK_MONOTONIC, the same in every process; events with
    // equal times keep their order.
    std::stable_sort(merged_.begin(), merged_.end(), [](auto& a, auto& b) { return a.t_us < b.t_us; });
  }

  std::vector<sticky::TraceEvent> read() override {
    if (files_.size() != 1) {
      done_ = true;
      return std::move(merged_);
    }
    std::istream& in = files_[0] == "-" ? std::cin : file_;
    char chunk[1 << 16];
    std::vector<sticky::TraceEvent> out;
    try {
      for (int i = 0; i < 64 && !done_; ++i) {  // 4 MiB a batch
        in.read(chunk, sizeof chunk);
        if (in.gcount() > 0) reader_.feed(std::string_view(chunk, static_cast<std::size_t>(in.gcount())));
        if (!in) {
          reader_.feed("\n");  // a last line without its newline
          done_ = true;
        }
      }
      out = reader_.take();
    } catch (const std::exception& e) {
      throw std::runtime_error(files_[0] + " " + e.what());
    }
    // Processes sharing one file (sticky-trace) append each line when its call returns; their
    // shared clock puts a send before the recv that got its bytes.
    if (!out.empty() && std::all_of(out.begin(), out.end(), [](auto& e) { return e.pid.has_value(); }))
      std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.t_us < b.t_us; });
    return out;
  }
  bool finished() const override { return done_; }

 private:
  static void open(std::ifstream& in, const std::string& file) {
    in.open(file, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot read " + file);  // a wrong name: usage
  }
  std::vector<std::string> files_;
  std::ifstream file_;
  sticky::TraceLineReader reader_;
  std::vector<sticky::TraceEvent> merged_;
  bool done_ = false;
};

// A trace that is still being written (sticky-trace -o FILE in another terminal): what was
// appended since the last look, every frame.
class FollowSource : public Source {
 public:
  explicit FollowSource(std::string file) : file_(std::move(file)) {}
  ~FollowSource() override {
    if (fd_ >= 0) ::close(fd_);
  }
  std::vector<sticky::TraceEvent> read() override {
    if (fd_ < 0) {
      fd_ = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) {
        status_ = "waiting for " + file_ + " to appear";
        return {};
      }
      status_ = "following " + file_;
    }
    char buf[1 << 16];
    std::vector<sticky::TraceEvent> out;
    try {
      // At most 16 MiB a frame, so a huge file still lets the screen draw and keys work.
      for (int i = 0; i < 256; ++i) {
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) break;
        reader_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      }
      out = reader_.take();
    } catch (const std::exception& e) {
      status_ = file_ + " " + e.what();
    }
    return out;
  }
  bool live() const override { return true; }
  std::string status() const override { return status_; }

 private:
  std::string file_;
  int fd_ = -1;
  sticky::TraceLineReader reader_;
  std::string status_;
};

// Runs a demo with --json and reads its trace as it is written.
class DemoSource : public Source {
 public:
  explicit DemoSource(const fs::path& binary) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);  // nothing outside curses
    std::string path = binary.string(), json = "--json";
    char* argv[] = {path.data(), json.data(), nullptr};
    int rc = ::posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) throw std::runtime_error("cannot start " + path);
    fd_ = out[0];
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~DemoSource() override {
    if (fd_ >= 0) ::close(fd_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::vector<sticky::TraceEvent> read() override {
    std::vector<sticky::TraceEvent> out;
    char buf[65536];
    for (;;) {
      ssize_t n = fd_ >= 0 ? ::read(fd_, buf, sizeof buf) : -1;
      if (n > 0) {
        pending_.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) finish();
      break;
    }
    try {
      reader_.feed(pending_);
      pending_.clear();
      out = reader_.take();
    } catch (const std::exception& e) {
      status_ = "unreadable trace: " + std::string(e.what());
    }
    return out;
  }
  bool live() const override { return fd_ >= 0; }
  std::string status() const override { return status_; }

 private:
  void finish() {
    ::close(fd_);
    fd_ = -1;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) status_ = "the demo failed (run it without the viewer to see why)";
  }
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string pending_;
  sticky::TraceLineReader reader_;
  std::string status_;
};

// The lib relay between a real client and server; its trace arrives from the relay thread.
class ProxySource : public Source {
 public:
  explicit ProxySource(sticky::RelayOptions options) {
    trace_.add_listener([this](const sticky::TraceEvent& e) {
      std::lock_guard lock(mutex_);
      queue_.push_back(e);
    });
    options.trace = &trace_;
    relay_ = std::make_unique<sticky::Relay>(options);
    status_ = fmt::format("listening on {}, relaying to {}", relay_->address().to_string(), options.target.to_string());
    thread_ = std::thread([this] { relay_->run(); });
  }
  ~ProxySource() override {
    relay_->stop();
    thread_.join();
  }
  std::vector<sticky::TraceEvent> read() override {
    std::lock_guard lock(mutex_);
    std::vector<sticky::TraceEvent> out(queue_.begin(), queue_.end());
    queue_.clear();
    return out;
  }
  bool live() const override { return true; }
  std::string status() const override { return status_; }

 private:
  sticky::Trace trace_;
  std::unique_ptr<sticky::Relay> relay_;
  std::thread thread_;
  std::mutex mutex_;
  std::deque<sticky::TraceEvent> queue_;
  std::string status_;
};

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
bool show(view::Screen& screen, view::Model& model, Source& source_ref, view::Ui& ui) {
  Source* source = &source_ref;
  auto last_step = Clock::now();
  bool follow = source->live() && ui.playing;
  std::optional<std::size_t> hex_of;  // the call the hex pane scrolled in
  while (!stop_requested) {
    bool was_at_end = model.at_end();
    for (auto& e : source->read()) model.add(std::move(e));
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
      source = std::make_unique<ReplaySource>(replay);
      ui.source = "replay " + first_replay + (replay.size() > 1 ? fmt::format(" + {} more", replay.size() - 1) : "");
      auto stem = fs::path(first_replay).filename().string();
      // "05-struct-prefix.jsonl", "05.jsonl": the lesson numbered 05.
      bool numbered = stem.size() >= 2 && std::isdigit(static_cast<unsigned char>(stem[0])) &&
                      std::isdigit(static_cast<unsigned char>(stem[1]));
      title_from_lessons(model, lessons, numbered ? stem.substr(0, 2) + "-" : "");
      if (model.title().empty()) model.set_title(ui.source, "");
    } else if (!follow.empty()) {
      source = std::make_unique<FollowSource>(follow);
      ui.source = "follow " + follow;
      model.set_title("following " + follow, "Live: each program's send() on the left, what the other received on the right.");
      ui.playing = true;
    } else if (!demo.empty()) {
      auto binary = find_demo(demo);
      ui.source = "demo " + binary.filename().string();
      title_from_lessons(model, lessons, binary.filename().string());
      source = std::make_unique<DemoSource>(binary);
    } else if (proxy_port >= 0) {
      sticky::RelayOptions options;
      options.listen = sticky::Address::ip("127.0.0.1", static_cast<std::uint16_t>(proxy_port));
      options.target = sticky::Address::parse(to);
      speak::cli::apply_shaping(shaping, options);
      source = std::make_unique<ProxySource>(options);
      ui.source = fmt::format("proxy :{} → {}", proxy_port, to);
      model.set_title(fmt::format("proxy 127.0.0.1:{} → {}", proxy_port, to), "Live: each side's send() on the left, what the other side received on the right.");
      ui.playing = true;
    }

    if (!svg.empty()) {
      // Run the source to its end, then draw.
      while (true) {
        auto events = source->read();
        for (auto& e : events) model.add(std::move(e));
        if (source->finished()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // waiting on the demo's pipe
      }
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
      for (bool more = true; more;) {
        for (auto& e : source->read()) page.add(std::move(e));
        more = !source->finished();
        if (more) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // waiting on the demo's pipe
      }
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
    auto start = [&](std::size_t i) -> std::unique_ptr<Source> { return std::make_unique<DemoSource>(find_demo(menu[i].name)); };
    return run_viewer(model, std::move(source), ui, colour, keys_from_tty, menu, start);
  });
}
