#include "html.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <numeric>
#include <string_view>

#include "html_keys.hpp"
#include "html_text.hpp"
#include "keymap.hpp"
#include "page_assets.hpp"  // tui/page/*, made into byte arrays by the Makefile
#include "speak/language.hpp"
#include "speak/narrator.hpp"
#include "sticky/codec_spec.hpp"
#include "sticky/decoder.hpp"

namespace view {

using speak::_;
using json = nlohmann::json;

namespace {

std::string_view asset(const unsigned char* bytes, std::size_t size) {
  return {reinterpret_cast<const char*>(bytes), size};
}

std::string base64(std::string_view bytes) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += digits[(n >> 18) & 63];
    out += digits[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? digits[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? digits[n & 63] : '=';
  }
  return out;
}

std::string escape_html(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

const char* action_name(Action a) {
  switch (a) {
    case Action::next: return "next";
    case Action::back: return "back";
    case Action::home: return "home";
    case Action::end: return "end";
    case Action::play: return "play";
    case Action::faster: return "faster";
    case Action::slower: return "slower";
    case Action::up: return "up";
    case Action::down: return "down";
    case Action::pane: return "pane";
    case Action::connection: return "connection";
    case Action::help: return "help";
    case Action::quit: return "quit";
    default: return "";
  }
}

// What the page says itself, in its language: the viewer's own words where it has them.
json page_strings() {
  return {
      {"sent", _("sent: each send() call")},
      {"received", _("received: each recv() call")},
      {"hex", _("hex")},
      {"hex_title", _("hex: {} {} — {}")},
      {"decoder", _("decoder: frames {} · header {}/{} · length {} · buffered {}")},
      {"result", _("Result: ")},
      {"nothing", _("(nothing)")},
      {"zero", _("(0 bytes: {})")},
      {"press", _("Press space to step through the trace, p to play.")},
      {"no_calls", _("(no calls yet)")},
      {"connection", _("[connection {} of {}] ")},
      {"keys_title", _("keys (any key closes)")},
      {"byte", _("{} byte")},
      {"bytes", _("{} bytes")},
      {"predict_q", _("Predict: {} {} will return how many bytes? > ")},
      {"verdict", _("→ {} returned {}: {} ({} of {} so far)")},
      {"right", _("right")},
      {"wrong", _("not this time")},
      {"no_guess", _("no guess")},
      {"score", _("You predicted {0} of {1} receives.")},
      {"step", _("step {}/{}")},
      {"speed", _("{} ev/s")},
      {"truncated", _("TRUNCATED")},
      {"earlier", _("show {} earlier calls")},
      {"not_in_trace", _("… {} more bytes that the trace did not keep (it counted them)")},
      {"not_in_page", _("… {} more bytes that this page did not keep (it keeps {} of data in all)")},
      {"theme", _("light or dark")},
      {"predict_button", _("predict")},
      {"predict_help", _("before each recv(), guess how many bytes it will return")},
      {"answer", _("answer")},
      {"play", _("play")},
      {"pause", _("pause")},
      {"skip", _("skip")},
  };
}

json page_keys() {
  json out = json::array();
  for (const auto& b : keymap()) {
    if (b.action == Action::choose) continue;  // the start screen's: a page has none
    bool quit = b.action == Action::quit;
    out.push_back({{"a", action_name(b.action)},
                   {"k", browser_keys(b.keys)},
                   {"t", b.keys_text},
                   {"h", quit ? _("close the help or the question") : _(b.help)},
                   {"b", quit || !*b.bar ? std::string() : std::string(_(b.bar))}});
  }
  return out;
}

}  // namespace

void Page::add(sticky::TraceEvent e) {
  Event event{'.'};
  switch (e.op) {
    case sticky::Op::step: event.kind = 's'; break;
    case sticky::Op::note: event.kind = 'n'; break;
    case sticky::Op::error: event.kind = 'e'; break;
    case sticky::Op::call: event.kind = 'f'; break;
    case sticky::Op::result: event.kind = 'r'; break;
    default: break;
  }
  if (event.kind != '.') {
    event.text = static_cast<std::int32_t>(texts_.size());
    texts_.push_back(e.text);
  }
  // The codec of a framed stream, from the first frame its receiver decoded (as the model does).
  if (e.op == sticky::Op::frame && !e.codec.empty() && !e.datagram) {
    std::string who(sticky::to_string(e.side));
    if (e.conn.value_or(0) > 1) who += "#" + std::to_string(*e.conn);
    frame_codec_.try_emplace({e.conn.value_or(0), who}, e.codec);
  }
  std::size_t calls = model_.calls().size();
  model_.add(std::move(e));
  if (model_.calls().size() > calls) event.kind = 'x';
  events_.push_back(event);
}

std::vector<std::optional<DecoderState>> Page::decoder_states() const {
  struct Stream {
    std::unique_ptr<sticky::Codec> codec;
    std::unique_ptr<sticky::Decoder> decoder;
    std::string error;
  };
  std::map<std::pair<int, std::string>, Stream> streams;
  const auto& calls = model_.calls();
  std::vector<std::optional<DecoderState>> out(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const Call& c = calls[i];
    if (c.is_send) continue;
    auto framed = frame_codec_.find({c.conn, c.side()});
    if (framed == frame_codec_.end()) continue;
    Stream& s = streams[framed->first];
    if (!s.codec) {
      try {
        s.codec = sticky::make_codec(sticky::parse_codec_spec(framed->second));
      } catch (const std::invalid_argument&) {
        continue;  // a codec this version does not know: no decoder line, as in the viewer
      }
      s.decoder = std::make_unique<sticky::Decoder>(*s.codec);
    }
    s.decoder->feed(c.data);
    // After a bad frame the decoder stops where it was, and the bytes pile up behind it.
    if (s.error.empty()) {
      try {
        while (s.decoder->next()) {}
      } catch (const sticky::FrameError& e) {
        s.error = e.what();
      }
    }
    DecoderState state;
    state.codec = s.codec->describe();
    state.error = s.error;
    auto pending = s.decoder->pending();
    state.frames = s.decoder->frames();
    state.buffered = pending.size();
    if (auto* length = dynamic_cast<const sticky::LengthCodec*>(s.codec.get())) {
      state.header_size = length->header_size();
      state.header_seen = std::min<std::size_t>(pending.size(), length->header_size());
      if (pending.size() >= length->header_size())
        state.expected = static_cast<std::uint64_t>(length->read_signed_field(pending) + length->options().adjust);
    } else {
      state.header_size = 0;
    }
    out[i] = state;
  }
  return out;
}

std::vector<std::size_t> Page::kept_bytes() const {
  std::vector<std::size_t> sizes;
  for (const auto& c : model_.calls()) sizes.push_back(c.data.size());
  std::size_t total = std::accumulate(sizes.begin(), sizes.end(), std::size_t{0});
  if (total <= options_.data_budget) return sizes;
  // The largest cap that fits: small calls keep everything, each big one the same share.
  auto used = [&](std::size_t cap) {
    std::size_t sum = 0;
    for (auto s : sizes) sum += std::min(s, cap);
    return sum;
  };
  std::size_t low = 0, high = *std::max_element(sizes.begin(), sizes.end());
  while (low < high) {
    std::size_t mid = low + (high - low + 1) / 2;
    if (used(mid) <= options_.data_budget) low = mid;
    else high = mid - 1;
  }
  for (auto& s : sizes) s = std::min(s, low);
  return sizes;
}

std::string Page::data_json() const {
  TraceTexts words;
  std::map<std::string, std::size_t> name_index;
  json names = json::array();
  auto name = [&](const std::string& text) -> std::int64_t {
    auto [it, fresh] = name_index.try_emplace(text, names.size());
    if (fresh) names.push_back(text);
    return static_cast<std::int64_t>(it->second);
  };

  const auto& calls = model_.calls();
  auto kept = kept_bytes();
  auto decoders = decoder_states();
  json out_calls = json::array();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const Call& c = calls[i];
    // Spans of the bytes the page keeps; the script shows them as text and as hex.
    json spans = json::array();
    for (const auto& s : c.spans) {
      if (s.begin >= kept[i] || s.size == 0) break;
      bool whole = s.begin + s.size <= kept[i];  // a span the page cuts ends no message
      spans.push_back({s.msg, s.begin, whole ? s.size : kept[i] - s.begin,
                       (s.starts_message ? 1 : 0) | (s.ends_message && whole ? 2 : 0)});
    }
    json call = {{"e", c.event},
                 {"s", c.is_send ? 1 : 0},
                 {"w", name(speak::side_text(c.side()).local)},
                 {"l", name(c.label())},
                 {"c", c.conn},
                 {"m", c.moved},
                 {"d", base64(std::string_view(c.data).substr(0, kept[i]))},
                 {"p", std::move(spans)}};
    // Left out where they say nothing: the trace kept every byte (t = m), the page every byte
    // the trace kept (k = t), nothing unusual (f = 0), no origin.
    if (c.data.size() != c.moved) call["t"] = c.data.size();
    if (kept[i] != c.data.size()) call["k"] = kept[i];
    if (!c.origin.empty()) call["o"] = name(words.localize(c.origin));
    if (int flags = (c.truncated ? 1 : 0) | (c.datagram ? 2 : 0) | (c.end_of_stream ? 4 : 0)) call["f"] = flags;
    if (const auto& d = decoders[i]) {
      call["x"] = {d->frames,
                   d->header_seen,
                   d->header_size,
                   d->expected ? static_cast<std::int64_t>(*d->expected) : -1,
                   d->buffered,
                   name(words.localize(d->codec)),
                   d->error.empty() ? -1 : name(words.localize(d->error))};
    }
    out_calls.push_back(std::move(call));
  }

  std::string ops;
  json refs = json::array();
  json texts = json::array();
  std::map<std::string, std::size_t> text_index;  // a note said a thousand times is kept once
  std::size_t call = 0;
  for (const auto& e : events_) {
    ops.push_back(e.kind);
    if (e.kind == 'x') {
      refs.push_back(call++);
    } else if (e.text >= 0) {
      std::string text = words.localize(texts_[static_cast<std::size_t>(e.text)]);
      if (e.kind == 'e') text = _("error: ") + text;
      auto [it, fresh] = text_index.try_emplace(text, texts.size());
      if (fresh) texts.push_back(text);
      refs.push_back(it->second);
    } else {
      refs.push_back(-1);
    }
  }

  json data = {{"v", 1},
               {"lang", speak::current_language() == speak::Language::chinese ? "zh-CN" : "en"},
               {"title", model_.title().empty() ? std::string("sticky") : model_.title()},
               {"claim", model_.claim()},
               {"predict", options_.predict},
               {"budget", options_.data_budget},
               {"S", page_strings()},
               {"keys", page_keys()},
               {"names", std::move(names)},
               {"texts", std::move(texts)},
               {"ops", ops},
               {"refs", std::move(refs)},
               {"calls", std::move(out_calls)}};
  std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
  // Inside <script>, "</script>" would end the data: '<' occurs only in strings, escaped.
  std::string safe;
  safe.reserve(text.size());
  for (char c : text) {
    if (c == '<') safe += "\\u003c";
    else safe.push_back(c);
  }
  return safe;
}

std::string Page::html() const {
  const std::string_view page = asset(page_page_html, sizeof page_page_html);
  const bool chinese = speak::current_language() == speak::Language::chinese;
  std::string title = model_.title().empty() ? "sticky" : model_.title();
  std::map<std::string, std::string> fill = {
      {"LANG", chinese ? "zh-CN" : "en"},
      {"TITLE", escape_html(title)},
      {"STYLE", std::string(asset(page_page_css, sizeof page_page_css))},
      {"SCRIPT", std::string(asset(page_page_js, sizeof page_page_js))},
      {"NOSCRIPT", escape_html(_("This page needs JavaScript to step through the trace; everything it shows is inside this one file."))},
      {"DATA", data_json()},
  };
  // One pass over the template: what is filled in is never searched again.
  std::string out;
  for (std::size_t at = 0; at < page.size();) {
    auto open = page.find('@', at);
    auto close = open == std::string_view::npos ? open : page.find('@', open + 1);
    if (close == std::string_view::npos) {
      out.append(page.substr(at));
      break;
    }
    auto it = fill.find(std::string(page.substr(open + 1, close - open - 1)));
    if (it == fill.end()) {
      out.append(page.substr(at, open + 1 - at));
      at = open + 1;
      continue;
    }
    out.append(page.substr(at, open - at));
    out += it->second;
    at = close + 1;
  }
  return out;
}

}  // namespace view
