#include "model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "sticky/decoder.hpp"

namespace view {

sticky::Provenance& Model::stream(int conn, const std::string& receiver) {
  for (auto& [key, p] : streams_)
    if (key.first == conn && key.second == receiver) return p;
  streams_.push_back({{conn, receiver}, {}});
  return streams_.back().second;
}

namespace {
std::string other(const std::string& side) { return side == "client" ? "server" : "client"; }
}  // namespace

void Model::add(sticky::TraceEvent e) {
  // The relay reads what one peer sent and writes it, reshaped, to the other: its reads are
  // that peer's sends, its writes the other peer's receipts.
  if (e.side == "relay" && (e.op == "recv" || e.op == "send")) {
    bool up = e.text == "up";
    std::string sender = up ? "client" : "server";
    if (e.op == "recv") {
      e.side = sender;
      e.op = "send";
      std::uint64_t* counter = nullptr;
      for (auto& [key, n] : relay_msgs_)
        if (key.first == e.conn.value_or(0) && key.second == sender) counter = &n;
      if (!counter) counter = &relay_msgs_.emplace_back(std::make_pair(e.conn.value_or(0), sender), 0).second;
      e.msg = ++*counter;
    } else {
      e.side = other(sender);
      e.op = "recv";
      e.want.reset();  // the relay wrote these bytes; the receiver's buffer size is not known
    }
    e.text.clear();
  }
  std::optional<std::size_t> call_index;
  bool datagram = e.facts.is_object() && e.facts.value("datagram", false);
  if (e.op == "send" || e.op == "recv") {
    Call c;
    c.event = events_.size();
    c.side = e.side;
    c.conn = e.conn.value_or(0);
    c.is_send = e.op == "send";
    c.data = e.data;
    if (datagram) {
      c.label = c.is_send ? "sendto" : fmt::format("recvfrom({})", e.want.value_or(0));
      c.truncated = e.facts.value("truncated", false);
      c.spans.push_back({c.is_send ? e.msg.value_or(0) : 0, e.data, true, !c.truncated});
    } else if (c.is_send) {
      c.label = "send";
      stream(c.conn, other(e.side)).sent(e.msg.value_or(0), e.data.size());
      c.spans.push_back({e.msg.value_or(0), e.data, true, true});
    } else {
      c.label = e.want && *e.want ? fmt::format("recv({})", *e.want) : "recv";
      std::uint64_t first = stream(c.conn, e.side).received_bytes();
      for (const auto& s : stream(c.conn, e.side).received(e.data.size()))
        c.spans.push_back({s.msg, e.data.substr(s.offset - first, s.bytes), s.starts_message, s.ends_message});
    }
    call_index = calls_.size();
    calls_.push_back(std::move(c));
  }
  call_of_event_.push_back(call_index);
  events_.push_back(std::move(e));
}

void Model::set_title(std::string title, std::string claim) {
  title_ = std::move(title);
  claim_ = std::move(claim);
}

void Model::next() {
  if (shown_ < events_.size()) ++shown_;
  // Skip over events that change nothing on screen, so every key press shows something.
  while (shown_ < events_.size() && !call_of_event_[shown_ - 1] && events_[shown_ - 1].op != "step" &&
         events_[shown_ - 1].op != "note" && events_[shown_ - 1].op != "result" && events_[shown_ - 1].op != "error")
    ++shown_;
  reselect();
}

void Model::back() {
  if (shown_ > 0) --shown_;
  reselect();
}

void Model::home() {
  shown_ = 0;
  reselect();
}

void Model::end() {
  shown_ = events_.size();
  reselect();
}

std::vector<std::size_t> Model::visible_calls() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < calls_.size() && calls_[i].event < shown_; ++i)
    if (passes_filter(calls_[i])) out.push_back(i);
  return out;
}

std::string Model::heading() const {
  for (std::size_t i = shown_; i-- > 0;)
    if (events_[i].op == "step") return events_[i].text;
  return {};
}

std::string Model::note() const {
  if (shown_ == 0) return {};
  const auto& e = events_[shown_ - 1];
  if (e.op == "note" || e.op == "error" || e.op == "call") return e.op == "error" ? "error: " + e.text : e.text;
  return {};
}

std::optional<sticky::TraceEvent> Model::result() const {
  for (std::size_t i = 0; i < shown_; ++i)
    if (events_[i].op == "result") return events_[i];
  return std::nullopt;
}

void Model::reselect() {
  selection_pinned_ = false;
  auto visible = visible_calls();
  selected_ = visible.empty() ? std::nullopt : std::optional(visible.back());
}

std::optional<std::size_t> Model::selected() const {
  auto visible = visible_calls();
  if (visible.empty()) return std::nullopt;
  if (selected_ && std::find(visible.begin(), visible.end(), *selected_) != visible.end()) return selected_;
  return visible.back();
}

void Model::select_previous() {
  auto visible = visible_calls();
  auto current = selected();
  if (!current) return;
  auto it = std::find(visible.begin(), visible.end(), *current);
  if (it != visible.begin()) selected_ = *std::prev(it);
  selection_pinned_ = true;
}

void Model::select_next() {
  auto visible = visible_calls();
  auto current = selected();
  if (!current) return;
  auto it = std::find(visible.begin(), visible.end(), *current);
  if (it != visible.end() && std::next(it) != visible.end()) selected_ = *std::next(it);
  selection_pinned_ = true;
}

std::vector<int> Model::connections() const {
  std::vector<int> out;
  for (const auto& c : calls_)
    if (std::find(out.begin(), out.end(), c.conn) == out.end()) out.push_back(c.conn);
  std::sort(out.begin(), out.end());
  return out;
}

void Model::next_connection() {
  auto all = connections();
  if (all.size() < 2) {
    conn_filter_ = 0;
    return;
  }
  auto it = std::find(all.begin(), all.end(), conn_filter_);
  conn_filter_ = conn_filter_ == 0 ? all.front() : (it == all.end() || std::next(it) == all.end()) ? 0 : *std::next(it);
  reselect();
}

std::optional<DecoderState> Model::decoder_after(std::size_t call) const {
  if (call >= calls_.size() || calls_[call].is_send) return std::nullopt;
  const Call& target = calls_[call];
  // Framed streams are the ones the application decoded: a "frame" event on that side.
  std::vector<std::string> frames;
  for (const auto& e : events_)
    if (e.op == "frame" && e.side == target.side && e.conn.value_or(0) == target.conn) frames.push_back(e.data);
  if (frames.empty()) return std::nullopt;
  std::string stream;
  for (std::size_t i = 0; i <= call; ++i)
    if (!calls_[i].is_send && calls_[i].side == target.side && calls_[i].conn == target.conn) stream += calls_[i].data;
  // Which header did it use? The one whose decoding gives back the frames the demo reported.
  std::optional<DecoderState> first_try;
  for (bool python : {false, true}) {
    sticky::LengthCodec codec(python ? sticky::LengthOptions::python_i() : sticky::LengthOptions{});
    sticky::Decoder decoder(codec);
    DecoderState state;
    state.codec = python ? "python-i (4 bytes, little endian, signed)" : "u32 big endian";
    bool agrees = true;
    try {
      decoder.feed(stream);
      while (auto f = decoder.next())
        if (decoder.frames() > frames.size() || f->payload != frames[decoder.frames() - 1]) agrees = false;
    } catch (const sticky::FrameError& e) {
      state.error = e.what();
      agrees = false;
    }
    auto pending = decoder.pending();
    state.frames = decoder.frames();
    state.buffered = pending.size();
    state.header_seen = std::min<std::size_t>(pending.size(), codec.header_size());
    if (pending.size() >= codec.header_size())
      state.expected = static_cast<std::uint64_t>(codec.read_signed_field(pending));
    if (agrees) return state;
    if (!first_try) first_try = state;
  }
  return first_try;
}

std::vector<LessonInfo> read_lessons(const std::string& folder) {
  std::vector<LessonInfo> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    auto path = entry.path();
    if (path.extension() != ".md") continue;
    LessonInfo info;
    info.name = path.stem().string();
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (info.title.empty() && line.starts_with("# ")) {
        info.title = line.substr(2);
        auto dot = info.title.find("· ");
        if (dot != std::string::npos) info.title = info.title.substr(dot + 3);
      }
      // "> **Claim 01-a.** text"
      if (info.claim.empty() && line.starts_with("> **Claim ")) {
        auto end = line.find(".** ");
        if (end != std::string::npos) info.claim = line.substr(end + 4);
      }
    }
    out.push_back(info);
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace view
