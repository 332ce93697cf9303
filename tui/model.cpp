#include "model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "sticky/codec_spec.hpp"
#include "sticky/decoder.hpp"

namespace view {

using sticky::Op;

const std::string& Model::intern(const std::string& text) {
  if (auto known = names_.find(text); known != names_.end()) return *known;  // nearly always
  return *names_.insert(text).first;
}

void Model::add(sticky::TraceEvent e) {
  Step step{e.op};
  if (auto a = provenance_.add(e)) {
    Call c;
    c.event = steps_.size();
    c.who = &intern(a->who);
    c.what = &intern(a->label);
    c.conn = a->conn;
    c.is_send = a->is_send;
    c.origin = std::move(a->origin);
    c.truncated = a->truncated;
    c.datagram = a->datagram;
    c.end_of_stream = a->end_of_stream;
    c.spans.reserve(a->spans.size());
    for (const auto& s : a->spans)
      c.spans.push_back({s.msg, static_cast<std::uint32_t>(s.begin), static_cast<std::uint32_t>(s.size), s.starts_message,
                         s.ends_message});
    c.moved = e.bytes();
    c.data = std::move(e.data);
    step.call = static_cast<std::int32_t>(calls_.size());
    calls_.push_back(std::move(c));
  }
  // The codec of a framed stream, from the first frame its receiver decoded.
  if (e.op == Op::frame && !e.codec.empty() && !e.datagram) {
    std::string who(sticky::to_string(e.side));
    if (e.conn.value_or(0) > 1) who += "#" + std::to_string(*e.conn);
    frame_codec_.try_emplace({e.conn.value_or(0), who}, e.codec);
  }
  if (e.op == Op::step || e.op == Op::note || e.op == Op::error || e.op == Op::call || e.op == Op::result) {
    step.text = static_cast<std::int32_t>(texts_.size());
    texts_.push_back(e.op == Op::error ? "error: " + e.text : std::move(e.text));
  }
  steps_.push_back(step);
}

void Model::add(std::vector<sticky::TraceEvent> events) {
  // Room for the batch at once, still growing by doubling: one push_back at a time, the
  // reallocations and moves were a sixth of the viewer's profile opening a million events.
  auto make_room = [](auto& v, std::size_t more) {
    if (v.size() + more > v.capacity()) v.reserve(std::max(v.size() + more, 2 * v.capacity()));
  };
  make_room(steps_, events.size());
  make_room(calls_, static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [](const auto& e) {
              return e.op == Op::send || e.op == Op::recv;
            })));
  for (auto& e : events) add(std::move(e));
}

void Model::set_title(std::string title, std::string claim) {
  title_ = std::move(title);
  claim_ = std::move(claim);
}

void Model::next() {
  if (shown_ < steps_.size()) ++shown_;
  // Skip over events that change nothing on screen, so every key press shows something.
  auto shows_something = [](const Step& s) {
    return s.call >= 0 || s.op == Op::step || s.op == Op::note || s.op == Op::result || s.op == Op::error;
  };
  while (shown_ < steps_.size() && !shows_something(steps_[shown_ - 1])) ++shown_;
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
  shown_ = steps_.size();
  reselect();
}

// Calls are in event order, so the shown ones are a prefix: found by binary search, never by
// a walk over a million calls on every frame.
std::size_t Model::visible_end() const {
  return static_cast<std::size_t>(std::partition_point(calls_.begin(), calls_.end(),
                                                       [this](const Call& c) { return c.event < shown_; }) -
                                  calls_.begin());
}

std::optional<std::size_t> Model::previous_visible(std::size_t before) const {
  for (std::size_t i = std::min(before, visible_end()); i-- > 0;)
    if (passes_filter(calls_[i])) return i;
  return std::nullopt;
}

std::optional<std::size_t> Model::next_visible(std::size_t after) const {
  for (std::size_t i = after + 1, end = visible_end(); i < end; ++i)
    if (passes_filter(calls_[i])) return i;
  return std::nullopt;
}

std::vector<std::size_t> Model::visible_calls() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0, end = visible_end(); i < end; ++i)
    if (passes_filter(calls_[i])) out.push_back(i);
  return out;
}

std::string Model::heading() const {
  for (std::size_t i = shown_; i-- > 0;)
    if (steps_[i].op == Op::step) return texts_[static_cast<std::size_t>(steps_[i].text)];
  return {};
}

std::string Model::note() const {
  if (shown_ == 0) return {};
  const Step& s = steps_[shown_ - 1];
  if (s.op == Op::note || s.op == Op::error || s.op == Op::call) return texts_[static_cast<std::size_t>(s.text)];
  return {};
}

std::optional<std::string> Model::result() const {
  for (std::size_t i = 0; i < shown_; ++i)
    if (steps_[i].op == Op::result) return texts_[static_cast<std::size_t>(steps_[i].text)];
  return std::nullopt;
}

void Model::reselect() {
  selection_pinned_ = false;
  selected_ = previous_visible(calls_.size());
}

std::optional<std::size_t> Model::selected() const {
  if (selected_ && *selected_ < visible_end() && passes_filter(calls_[*selected_])) return selected_;
  return previous_visible(calls_.size());
}

void Model::select_previous() {
  auto current = selected();
  if (!current) return;
  if (auto p = previous_visible(*current)) selected_ = p;
  selection_pinned_ = true;
}

void Model::select_next() {
  auto current = selected();
  if (!current) return;
  if (auto n = next_visible(*current)) selected_ = n;
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
  auto framed = frame_codec_.find({target.conn, target.side()});
  if (framed == frame_codec_.end()) return std::nullopt;
  std::unique_ptr<sticky::Codec> codec;
  try {
    codec = sticky::make_codec(sticky::parse_codec_spec(framed->second));
  } catch (const std::invalid_argument&) {
    return std::nullopt;  // a codec this version does not know
  }
  std::string stream;
  for (std::size_t i = 0; i <= call; ++i)
    if (!calls_[i].is_send && calls_[i].who == target.who && calls_[i].conn == target.conn) stream += calls_[i].data;
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
