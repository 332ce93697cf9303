#include "model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "sticky/codec_spec.hpp"
#include "sticky/decoder.hpp"

namespace view {

using sticky::Op;

void Model::add(sticky::TraceEvent e) {
  std::optional<std::size_t> call_index;
  if (auto a = provenance_.add(e)) {
    Call c;
    c.event = events_.size();
    c.side = a->who;
    c.conn = a->conn;
    c.is_send = a->is_send;
    c.label = a->label;
    c.origin = a->origin;
    c.data = e.data;
    c.truncated = a->truncated;
    c.datagram = a->datagram;
    c.end_of_stream = a->end_of_stream;
    for (const auto& s : a->spans)
      c.spans.push_back({s.msg, e.data.substr(s.begin, s.size), s.starts_message, s.ends_message});
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
  auto shows_something = [this](const sticky::TraceEvent& e, std::size_t i) {
    return call_of_event_[i] || e.op == Op::step || e.op == Op::note || e.op == Op::result || e.op == Op::error;
  };
  while (shown_ < events_.size() && !shows_something(events_[shown_ - 1], shown_ - 1)) ++shown_;
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
    if (events_[i].op == Op::step) return events_[i].text;
  return {};
}

std::string Model::note() const {
  if (shown_ == 0) return {};
  const auto& e = events_[shown_ - 1];
  if (e.op == Op::error) return "error: " + e.text;
  if (e.op == Op::note || e.op == Op::call) return e.text;
  return {};
}

std::optional<sticky::TraceEvent> Model::result() const {
  for (std::size_t i = 0; i < shown_; ++i)
    if (events_[i].op == Op::result) return events_[i];
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
  // Framed streams are the ones the application decoded: its frame events name the codec.
  const sticky::TraceEvent* framed = nullptr;
  for (const auto& e : events_)
    if (e.op == Op::frame && !e.codec.empty() && e.conn.value_or(0) == target.conn &&
        calls_[call].side.starts_with(sticky::to_string(e.side)) && !e.datagram) {
      framed = &e;
      break;
    }
  if (!framed) return std::nullopt;
  std::unique_ptr<sticky::Codec> codec;
  try {
    codec = sticky::make_codec(sticky::parse_codec_spec(framed->codec));
  } catch (const std::invalid_argument&) {
    return std::nullopt;  // a codec this version does not know
  }
  std::string stream;
  for (std::size_t i = 0; i <= call; ++i)
    if (!calls_[i].is_send && calls_[i].side == target.side && calls_[i].conn == target.conn) stream += calls_[i].data;
  sticky::Decoder decoder(*codec);
  DecoderState state;
  state.codec = codec->describe();
  try {
    decoder.feed(stream);
    while (decoder.next()) {}
  } catch (const sticky::FrameError& e) {
    state.error = e.what();
  }
  auto pending = decoder.pending();
  state.frames = decoder.frames();
  state.buffered = pending.size();
  if (auto* length = dynamic_cast<const sticky::LengthCodec*>(codec.get())) {
    state.header_size = length->header_size();
    state.header_seen = std::min<std::size_t>(pending.size(), length->header_size());
    if (pending.size() >= length->header_size())
      state.expected = static_cast<std::uint64_t>(length->read_signed_field(pending) + length->options().adjust);
  } else {
    state.header_size = 0;
  }
  return state;
}

std::vector<LessonInfo> read_lessons(const std::string& folder) {
  std::vector<LessonInfo> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    auto path = entry.path();
    // Lessons are "NN-name.md"; an index (README.md) is not one.
    if (path.extension() != ".md" || path.stem().string().size() < 3 || !std::isdigit(path.stem().string()[0])) continue;
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
