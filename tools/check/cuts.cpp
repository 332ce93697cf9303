#include "check/cuts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "check/framing.hpp"
#include "sticky/decoder.hpp"

namespace check {

using speak::Text;
using speak::tr;

Cuts Layout::boundaries() const {
  Cuts cuts;
  for (std::size_t i = 1; i < frames.size(); ++i) cuts.push_back(frames[i].start);
  return cuts;
}

std::size_t Layout::frame_at(std::uint64_t offset) const {
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (offset < frames[i].start + frames[i].size) return i;
  return frames.empty() ? 0 : frames.size() - 1;
}

namespace {

void headers_of(const sticky::Codec& codec, Layout& layout) {
  if (const auto* length = dynamic_cast<const sticky::LengthCodec*>(&codec)) layout.header = length->header_size();
  if (dynamic_cast<const JsonHeaderCodec*>(&codec)) layout.header_length = JsonHeaderCodec::kLengthBytes;
}

std::string trailer_of(const sticky::Codec& codec) {
  return dynamic_cast<const sticky::FixedCodec*>(&codec) ? "padding" : "delimiter";
}

}  // namespace

Layout layout_of(const sticky::Codec& codec, const std::vector<std::string>& frames) {
  Layout layout;
  headers_of(codec, layout);
  layout.trailer = trailer_of(codec);
  std::uint64_t offset = 0;
  for (const auto& frame : frames) {
    std::size_t scanned = 0;
    auto bounds = codec.find_frame(frame, offset, scanned);
    if (!bounds || bounds->size != frame.size())
      throw std::invalid_argument("layout_of: not one whole frame");
    layout.frames.push_back({offset, frame.size(), bounds->payload_begin, bounds->payload_size});
    offset += frame.size();
  }
  return layout;
}

Layout layout_of_stream(const sticky::Codec* codec_or_close, std::string_view stream) {
  Layout layout;
  if (!codec_or_close) {
    if (!stream.empty()) layout.frames.push_back({0, stream.size(), 0, stream.size()});
    return layout;
  }
  const sticky::Codec& codec = *codec_or_close;
  headers_of(codec, layout);
  layout.trailer = trailer_of(codec);
  sticky::Decoder decoder(codec);
  decoder.feed(stream);
  try {
    while (auto frame = decoder.next()) {
      layout.frames.push_back({frame->offset, frame->raw.size(),
                               static_cast<std::uint64_t>(frame->payload.data() - frame->raw.data()),
                               frame->payload.size()});
    }
  } catch (const sticky::FrameError&) {
    // What decodes is all we can aim at; the rest is cut blindly (random plans).
  }
  return layout;
}

std::string_view family_name(Family family) {
  switch (family) {
    case Family::all_in_one: return speak::N_("all in one write");
    case Family::header_split: return speak::N_("header split");
    case Family::header_body: return speak::N_("header and body apart");
    case Family::body_split: return speak::N_("body split");
    case Family::glued: return speak::N_("two messages in one write");
    case Family::header_glued: return speak::N_("next header glued to the body");
    case Family::bytes: return speak::N_("1-byte pieces");
    case Family::random: return speak::N_("random cuts");
  }
  return "?";
}

Text family_text(Family family) {
  std::string_view name = family_name(family);
  return Text{std::string(name), speak::translate(name.data())};  // (names are literals: \0 after them)
}

namespace {

// splitmix64: the same numbers from the same seed on every machine and library.
struct Random {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }
};

// Sorted, without repeats, strictly inside the stream.
Cuts normalized(Cuts cuts, std::uint64_t total) {
  std::erase_if(cuts, [&](std::uint64_t c) { return c == 0 || c >= total; });
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

constexpr std::uint64_t kFirstBytes = 24;  // 1-byte pieces: this many at each message's start
constexpr std::uint64_t kLastBytes = 4;    // ... and this many at its end
constexpr int kRandomPlans = 24;

}  // namespace

std::vector<Plan> plan_cuts(const Layout& layout, std::uint64_t seed, Side side) {
  const std::uint64_t total = layout.total();
  const bool requests = side == Side::requests;  // on one connection: gluing is possible
  // Requests keep one write per message unless a plan glues them (and on connections of
  // their own they are apart anyway); answers are cut as the server wrote them, so their
  // boundaries need no cut of ours.
  const Cuts base = side == Side::answers ? Cuts{} : layout.boundaries();
  const Cuts reference = side == Side::requests_apart ? base : Cuts{};
  std::map<Family, std::vector<Plan>> by_family;
  auto add = [&](Family family, std::string label, Cuts extra, bool with_base = true) {
    Cuts cuts = with_base ? base : Cuts{};
    cuts.insert(cuts.end(), extra.begin(), extra.end());
    cuts = normalized(std::move(cuts), total);
    for (const auto& plans : by_family)
      for (const auto& p : plans.second)
        if (p.cuts == cuts) return;  // another plan already sends exactly these pieces
    if (!requests && cuts == reference) return;  // that is the reference run
    by_family[family].push_back({family, std::move(label), std::move(cuts)});
  };
  const auto& frames = layout.frames;
  if (total < 2 || frames.empty()) return {};

  if (requests && frames.size() >= 2) add(Family::all_in_one, tr("every message in one write").english, {}, false);

  if (layout.header >= 2) {
    // The middle of the header first: it is the representative.
    std::vector<std::uint64_t> order{layout.header / 2};
    for (std::uint64_t k = 1; k < layout.header; ++k)
      if (k != layout.header / 2) order.push_back(k);
    for (std::uint64_t k : order) {
      Cuts extra;
      for (const auto& f : frames)
        if (f.size > k) extra.push_back(f.start + k);
      add(Family::header_split, tr("each header cut after byte {} of {}", k, layout.header).english, extra);
    }
  }
  if (layout.header_length > 0) {
    // A header of its own length (JSON): cut inside the variable part first, then inside
    // its length, then between the two.
    Cuts middle, inside_length, after_length;
    for (const auto& f : frames) {
      std::uint64_t variable = f.payload_begin - layout.header_length;
      if (variable >= 2) middle.push_back(f.start + layout.header_length + variable / 2);
      if (layout.header_length >= 2) inside_length.push_back(f.start + layout.header_length / 2);
      after_length.push_back(f.start + layout.header_length);
    }
    add(Family::header_split, tr("each JSON header cut in the middle").english, middle);
    add(Family::header_split, tr("each header length cut in two").english, inside_length);
    add(Family::header_split, tr("each header length apart from its JSON").english, after_length);
  }

  if (layout.has_header()) {
    Cuts extra;
    for (const auto& f : frames)
      if (f.payload_size > 0) extra.push_back(f.start + f.payload_begin);
    if (!extra.empty()) add(Family::header_body, tr("each header and its body in separate writes").english, extra);
  }

  {
    const std::pair<const char*, std::uint64_t (*)(std::uint64_t)> where[] = {
        {speak::N_("each body cut in the middle"), [](std::uint64_t n) { return n / 2; }},
        {speak::N_("each body cut after its first byte"), [](std::uint64_t) -> std::uint64_t { return 1; }},
        {speak::N_("each body cut before its last byte"), [](std::uint64_t n) { return n - 1; }},
    };
    for (const auto& [name, at] : where) {
      Cuts extra;
      for (const auto& f : frames)
        if (f.payload_size >= 2) extra.push_back(f.start + f.payload_begin + at(f.payload_size));
      if (!extra.empty()) add(Family::body_split, tr(name).english, extra);
    }
    Cuts trailer, inside;
    for (const auto& f : frames) {
      std::uint64_t end = f.payload_begin + f.payload_size;
      if (f.size > end && f.payload_size > 0) trailer.push_back(f.start + end);
      if (f.size > end + 1) inside.push_back(f.start + end + 1);
    }
    if (!trailer.empty()) add(Family::body_split, tr("each delimiter in its own write").english, trailer);
    if (!inside.empty()) add(Family::body_split, tr("each delimiter cut in two").english, inside);
  }

  if (requests && frames.size() >= 2) {
    for (std::size_t first : {0u, 1u}) {
      if (first + 1 >= frames.size()) continue;
      Cuts cuts = base;
      for (std::size_t i = first + 1; i < frames.size(); i += 2) std::erase(cuts, frames[i].start);
      std::string label = first == 0 ? tr("messages 1+2, 3+4, ... in one write each").english
                                     : tr("message 1 alone, then 2+3, 4+5, ... in one write each").english;
      add(Family::glued, label, cuts, false);
    }
    if (layout.has_header()) {
      Cuts after_header, after_first;
      for (std::size_t i = 0; i < frames.size(); ++i) {
        after_header.push_back(frames[i].start + frames[i].payload_begin);
        if (i > 0) after_first.push_back(frames[i].start + frames[i].payload_begin);
      }
      add(Family::header_glued, tr("each body in one write with the next header").english, after_header, false);
      add(Family::header_glued, tr("each message in one write with the next header").english, after_first, false);
    }
  }

  {
    Cuts extra;
    for (const auto& f : frames) {
      for (std::uint64_t j = 1; j < f.size && j <= kFirstBytes; ++j) extra.push_back(f.start + j);
      for (std::uint64_t j = 1; j < kLastBytes && f.size > kFirstBytes + j; ++j) extra.push_back(f.start + f.size - j);
    }
    bool all = std::all_of(frames.begin(), frames.end(), [](const FramePlace& f) { return f.size <= kFirstBytes + 1; });
    add(Family::bytes,
        all ? tr("1-byte pieces").english
        : layout.noun == "answer"
            ? tr("1-byte pieces (the first {} and last {} bytes of each answer)", kFirstBytes, kLastBytes).english
            : tr("1-byte pieces (the first {} and last {} bytes of each message)", kFirstBytes, kLastBytes).english,
        extra);
  }

  Random random{seed};
  for (int i = 0; i < kRandomPlans; ++i) {
    std::uint64_t count = 1 + random.below(std::min<std::uint64_t>(12, total - 1));
    Cuts cuts;
    for (std::uint64_t c = 0; c < count; ++c) {
      if (random.below(2)) {  // near a frame start, where framing goes wrong
        const auto& f = frames[random.below(frames.size())];
        cuts.push_back(f.start + random.below(f.payload_begin + 2));
      } else {
        cuts.push_back(1 + random.below(total - 1));
      }
    }
    // Requests keep each boundary by a coin toss: random glue, too.
    if (requests)
      for (auto b : base)
        if (random.below(2)) cuts.push_back(b);
    if (side == Side::requests_apart) cuts.insert(cuts.end(), base.begin(), base.end());
    add(Family::random, tr("random cuts #{}", i + 1).english, cuts, false);
  }

  // One of each family first, then the rest in turn.
  std::vector<Plan> plans;
  for (std::size_t round = 0;; ++round) {
    bool any = false;
    for (Family family : kFamilies) {
      auto it = by_family.find(family);
      if (it == by_family.end() || round >= it->second.size()) continue;
      plans.push_back(it->second[round]);
      any = true;
    }
    if (!any) break;
  }
  return plans;
}

Shrunk shrink(const Cuts& cuts, const std::function<bool(const Cuts&)>& fails,
              const std::function<bool()>& more) {
  Shrunk result;
  std::map<Cuts, bool> seen{{cuts, true}};
  auto test = [&](const Cuts& c) -> std::optional<bool> {
    if (auto it = seen.find(c); it != seen.end()) return it->second;
    if (!more()) return std::nullopt;
    ++result.replays;
    return seen[c] = fails(c);
  };
  Cuts current = cuts;
  auto finish = [&](bool minimal) {
    result.cuts = current;
    result.minimal = minimal;
    return result;
  };
  if (current.empty()) return finish(true);
  auto none = test({});
  if (!none) return finish(false);
  if (*none) {
    current.clear();
    return finish(true);
  }
  std::size_t n = 2;
  while (current.size() >= 2) {
    n = std::min(n, current.size());
    std::vector<Cuts> chunks(n);
    for (std::size_t i = 0; i < current.size(); ++i) chunks[i * n / current.size()].push_back(current[i]);
    bool reduced = false;
    for (const auto& chunk : chunks) {
      auto r = test(chunk);
      if (!r) return finish(false);
      if (*r) {
        current = chunk;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && n > 2) {
      for (const auto& chunk : chunks) {
        Cuts complement;
        std::set_difference(current.begin(), current.end(), chunk.begin(), chunk.end(), std::back_inserter(complement));
        auto r = test(complement);
        if (!r) return finish(false);
        if (*r) {
          current = complement;
          n = std::max<std::size_t>(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= current.size()) break;
      n = std::min(current.size(), n * 2);
    }
  }
  return finish(true);
}

std::string format_cuts(const Cuts& cuts) {
  if (cuts.empty()) return "none";
  return fmt::format("{}", fmt::join(cuts, ","));
}

Cuts parse_cuts(std::string_view text) {
  Cuts cuts;
  if (text == "none" || text.empty()) return cuts;
  while (true) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    std::uint64_t value = 0;
    if (item.empty() || item.size() > 15) throw std::invalid_argument(tr("'{}' is not a byte offset", item).english);
    for (char c : item) {
      if (c < '0' || c > '9') throw std::invalid_argument(tr("'{}' is not a byte offset", item).english);
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value == 0) throw std::invalid_argument(tr("a cut after byte 0 is no cut; offsets start at 1").english);
    cuts.push_back(value);
    if (comma == text.npos) break;
    text.remove_prefix(comma + 1);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces(const Cuts& cuts, std::uint64_t total) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  std::uint64_t at = 0;
  for (auto c : cuts) {
    if (c <= at || c >= total) continue;
    out.emplace_back(at, c);
    at = c;
  }
  if (at < total || total == 0) out.emplace_back(at, total);
  return out;
}

namespace {

// "header bytes 1-2 of 4" for a part [a, b) of a region of n bytes; "header" when it is all of it.
// `region`: "header", "body", "delimiter" or "padding".
Text part(const char* region, std::uint64_t a, std::uint64_t b, std::uint64_t n) {
  Text name{region, speak::translate(region)};
  if (a == 0 && b == n) return name;
  if (b - a == 1) return tr("{} byte {} of {}", name, a + 1, n);
  return tr("{} bytes {}-{} of {}", name, a + 1, b, n);
}

// The regions of a frame, for part(); xgettext finds them here.
[[maybe_unused]] const char* const kRegions[] = {speak::N_("header"), speak::N_("body"), speak::N_("delimiter"),
                                                 speak::N_("padding")};

}  // namespace

std::string describe_span(const Layout& layout, std::uint64_t begin, std::uint64_t end) {
  return describe_span_text(layout, begin, end).english;
}

Text describe_span_text(const Layout& layout, std::uint64_t begin, std::uint64_t end) {
  std::vector<Text> items;
  std::size_t whole_from = 0, whole_to = 0;  // a run of whole messages, 1-based, [from, to]
  bool answers = layout.noun == "answer";
  auto flush = [&] {
    if (!whole_from) return;
    if (whole_from == whole_to)
      items.push_back(answers ? tr("answer {}", whole_from) : tr("message {}", whole_from));
    else
      items.push_back(answers ? tr("answers {}-{}", whole_from, whole_to) : tr("messages {}-{}", whole_from, whole_to));
    whole_from = whole_to = 0;
  };
  for (std::size_t i = 0; i < layout.frames.size(); ++i) {
    const auto& f = layout.frames[i];
    std::uint64_t a = std::max(begin, f.start), b = std::min(end, f.start + f.size);
    if (a >= b) continue;
    a -= f.start;
    b -= f.start;
    if (a == 0 && b == f.size) {
      if (!whole_from) whole_from = i + 1;
      whole_to = i + 1;
      continue;
    }
    flush();
    std::vector<Text> parts;
    const std::uint64_t body_end = f.payload_begin + f.payload_size;
    if (a < f.payload_begin) parts.push_back(part("header", a, std::min(b, f.payload_begin), f.payload_begin));
    if (b > f.payload_begin && a < body_end) {
      std::uint64_t pa = std::max(a, f.payload_begin) - f.payload_begin;
      std::uint64_t pb = std::min(b, body_end) - f.payload_begin;
      parts.push_back(part("body", pa, pb, f.payload_size));
    }
    if (b > body_end) {
      parts.push_back(part(layout.trailer == "padding" ? "padding" : "delimiter", std::max(a, body_end) - body_end,
                           b - body_end, f.size - body_end));
    }
    Text joined = speak::join(parts, tr(", "));
    items.push_back(answers ? tr("answer {}: {}", i + 1, joined) : tr("message {}: {}", i + 1, joined));
  }
  flush();
  if (items.empty()) return tr("nothing");
  return speak::join(items, tr("; "));
}

}  // namespace check
