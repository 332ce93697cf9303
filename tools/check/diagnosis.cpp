#include "check/diagnosis.hpp"

#include <algorithm>

namespace check {

using speak::Text;
using speak::tr;

MistakeContext context_of(const Layout& layout, const Framing& framing) {
  MistakeContext c;
  c.header = layout.header;
  c.header_length = layout.header_length;
  c.delimiter = framing.codec() && !layout.has_header() && layout.trailer == "delimiter";
  return c;
}

namespace {

const char* lesson_file(int lesson) {
  switch (lesson) {
    case 1: return "01-nagle-merge.md";
    case 2: return "02-short-read.md";
    case 5: return "05-struct-prefix.md";
    case 8: return "08-empty-and-eof.md";
    case 11: return "11-text-cut.md";
  }
  return "";
}

}  // namespace

Mistake mistake(std::string_view id, const MistakeContext& c) {
  Mistake m;
  m.id = std::string(id);
  if (id == kRecvHeader) {
    if (c.header_length > 0) {
      m.words = c.length_prefix_only_split ? tr("assumes one recv() returns the whole 2-byte header length")
                                           : tr("assumes one recv() returns the whole JSON header");
      m.fix = tr("read exactly 2 bytes, then exactly that many bytes of JSON header, each with recv_exact");
    } else if (c.header > 0) {
      m.words = tr("assumes one recv() returns the whole {}-byte header", c.header);
      m.fix = tr("read exactly {} header bytes with recv_exact, a loop until all have come", c.header);
    } else {
      m.words = tr("assumes one recv() returns the whole header");
      m.fix = tr("read exactly the header's bytes with recv_exact, a loop until all have come");
    }
    m.lesson = 2;
  } else if (id == kOneRecv) {
    m.words = tr("treats one recv() as one message");
    if (c.delimiter) {
      m.fix = tr("keep what recv() returns in a buffer and take each message up to its delimiter "
                 "(makefile().readline() does)");
      m.lesson = 1;
    } else if (c.header > 0 || c.header_length > 0) {
      m.fix = tr("keep what recv() returns in a buffer and take each message out by its length header");
      m.lesson = 5;
    } else {
      m.fix = tr("keep what recv() returns in a buffer and take each message out by its framing");
      m.lesson = 5;
    }
  } else if (id == kDropsRest) {
    m.words = tr("keeps only the first message of a read and drops the rest");
    m.fix = tr("keep the bytes after a message for the next one: a buffer, or makefile()");
    m.lesson = 1;
  } else if (id == kBodyShort) {
    m.words = tr("reads the body before all of it has come (one recv(), or a loop that stops early)");
    m.fix = tr("read exactly as many body bytes as the length says, with recv_exact");
    m.lesson = 2;
  } else if (id == kByteOrder) {
    m.words = tr("reads the length in the wrong byte order or size");
    m.fix = tr("unpack with the format the sender packs with: '!I' is --endian big, 'i' is --python-i");
    m.lesson = 5;
  } else if (id == kDecodesPieces) {
    m.words = tr("decodes each recv() as text, so a character cut between two recv()s cannot be decoded");
    m.fix = tr("decode a message once it is whole (after framing), or with an incremental decoder");
    m.lesson = 11;
  } else if (id == kEmptyBody) {
    m.words = tr("waits for the body of an empty message, which never comes");
    m.fix = tr("read the body only when the length is not 0 (recv(0) reads nothing)");
    m.lesson = 8;
  }
  m.lesson_file = lesson_file(m.lesson);
  return m;
}

bool Diagnosis::names(std::string_view id) const {
  return std::any_of(mistakes.begin(), mistakes.end(), [&](const Mistake& m) { return m.id == id; });
}

Text probe_text(std::string_view name) {
  if (name == "header split") return tr("a header cut in two");
  if (name == "header length split") return tr("a header's length cut in two");
  if (name == "header and body") return tr("a header and its body apart");
  if (name == "body split") return tr("a body cut in two");
  if (name == "delimiter apart") return tr("a delimiter apart from its message");
  if (name == "glued") return tr("two messages in one write");
  return speak::same(std::string(name));
}

Probes plan_probes(const Layout& layout, Side side) {
  Probes probes;
  const auto& frames = layout.frames;
  if (frames.empty()) return probes;
  // The first message with a body worth cutting; the probes' conversation stops soon after.
  std::size_t t = 0;
  while (t < frames.size() && frames[t].payload_size < 2) ++t;
  if (t == frames.size()) t = 0;
  std::size_t m = side == Side::answers ? frames.size() : std::min(frames.size(), std::max<std::size_t>(t + 1, 2));
  Cuts base;
  if (side != Side::answers)
    for (std::size_t i = 1; i < m; ++i) base.push_back(frames[i].start);
  const FramePlace& f = frames[t];
  auto probe = [&](const char* name, std::vector<std::uint64_t> extra, Cuts from) {
    from.insert(from.end(), extra.begin(), extra.end());
    std::sort(from.begin(), from.end());
    from.erase(std::unique(from.begin(), from.end()), from.end());
    probes.push_back({name, std::move(from), m, std::nullopt, {}});
  };
  if (layout.header >= 2) probe("header split", {f.start + layout.header / 2}, base);
  if (layout.header_length > 0) {
    if (f.payload_begin - layout.header_length >= 2)
      probe("header split", {f.start + layout.header_length + (f.payload_begin - layout.header_length) / 2}, base);
    if (layout.header_length >= 2) probe("header length split", {f.start + layout.header_length / 2}, base);
  }
  if (layout.has_header() && f.payload_size > 0) probe("header and body", {f.start + f.payload_begin}, base);
  if (f.payload_size >= 2) probe("body split", {f.start + f.payload_begin + f.payload_size / 2}, base);
  if (!layout.has_header() && layout.trailer == "delimiter" && f.size > f.payload_begin + f.payload_size &&
      f.payload_size > 0)
    probe("delimiter apart", {f.start + f.payload_begin + f.payload_size}, base);
  if (side == Side::requests && m >= 2) {
    Cuts glued = base;
    std::erase(glued, frames[1].start);
    probe("glued", {}, glued);
  }
  return probes;
}

namespace {

Text evidence_of(const Probes& probes) {
  std::vector<Text> broke, held;
  for (const auto& p : probes) {
    if (!p.broke) continue;
    (*p.broke ? broke : held).push_back(probe_text(p.name));
  }
  Text yes = speak::join(broke, tr(", ")), no = speak::join(held, tr(", "));
  if (broke.empty()) return held.empty() ? speak::same("") : tr("no single probe broke it: not {}", no);
  return held.empty() ? tr("broken by {}", yes) : tr("broken by {}; not by {}", yes, no);
}

}  // namespace

Diagnosis diagnose(const Probes& probes, const MistakeContext& context) {
  auto broke = [&](std::string_view name) {
    return std::any_of(probes.begin(), probes.end(), [&](const Probe& p) { return p.name == name && p.broke.value_or(false); });
  };
  Diagnosis d;
  d.evidence = evidence_of(probes);
  MistakeContext c = context;
  bool header = c.header > 0 || c.header_length > 0;
  bool split_header = broke("header split"), split_length = broke("header length split");
  bool h = split_header || split_length, apart = broke("header and body"), body = broke("body split");
  bool delimiter = broke("delimiter apart"), glued = broke("glued");
  std::vector<std::string_view> ids;
  if (header) {
    if (h && apart && body) {
      ids.push_back(kOneRecv);  // even a whole header alone is taken for a message
    } else {
      if (h) {
        ids.push_back(kRecvHeader);
        c.length_prefix_only_split = split_length && !split_header;
      }
      if (body) ids.push_back(kBodyShort);
      // Two messages in one write breaking it too: a read that took more than one message lost the rest.
      if (glued && (!ids.empty() || !apart)) ids.push_back(kDropsRest);
    }
  } else {
    if (body || delimiter) ids.push_back(kOneRecv);
    else if (glued) ids.push_back(kDropsRest);
  }
  for (auto id : ids) d.mistakes.push_back(mistake(id, c));
  return d;
}

Diagnosis diagnose_cut(const Layout& layout, const Cuts& cuts, Side side, const MistakeContext& context) {
  Diagnosis d;
  if (layout.frames.empty()) return d;
  const Cuts base = side == Side::answers ? Cuts{} : layout.boundaries();
  bool header = layout.has_header();
  std::vector<std::string_view> ids;
  Text where;
  for (auto c : cuts) {
    if (std::find(base.begin(), base.end(), c) != base.end()) continue;
    if (c >= layout.total()) continue;
    const auto& f = layout.frames[layout.frame_at(c)];
    std::uint64_t at = c - f.start;
    if (at == 0) continue;  // between two answers: nothing of either is cut
    std::string_view id = at < f.payload_begin                    ? kRecvHeader
                          : at < f.payload_begin + f.payload_size ? (header ? kBodyShort : kOneRecv)
                                                                  : kOneRecv;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  bool glued = side == Side::requests &&
               std::any_of(base.begin(), base.end(), [&](auto b) { return std::find(cuts.begin(), cuts.end(), b) == cuts.end(); });
  if (glued && ids.empty()) ids.push_back(kDropsRest);
  if (ids.empty()) return d;
  for (auto id : ids) d.mistakes.push_back(mistake(id, context));
  d.evidence = tr("no probe of the first messages broke it; this reads where the smallest failing cut falls");
  return d;
}

Diagnosis refine(Diagnosis d, std::string_view error_text, const MistakeContext& context) {
  if (error_text.find("UnicodeDecodeError") != std::string_view::npos && !d.names(kRecvHeader)) {
    // Headers read right, text wrong: the decoding is the mistake. (A program that takes one
    // recv() for a message fails to decode too, but header cuts break it as well.)
    d.mistakes = {mistake(kDecodesPieces, context)};
    d.evidence = speak::plus(d.evidence, d.evidence.english.empty() ? tr("it failed with UnicodeDecodeError")
                                                                   : tr("; it failed with UnicodeDecodeError"));
  } else if (d.empty() && error_text.find("unpack requires a buffer of") != std::string_view::npos) {
    d.mistakes = {mistake(kRecvHeader, context)};
    d.evidence = speak::plus(d.evidence, d.evidence.english.empty() ? tr("struct.unpack got fewer bytes than a header")
                                                                   : tr("; struct.unpack got fewer bytes than a header"));
  }
  return d;
}

Text family_evidence(const Tallies& tallies) {
  std::vector<Text> broke, held;
  for (Family family : kFamilies) {
    auto it = tallies.find(family);
    if (it == tallies.end() || it->second.runs == 0) continue;
    if (it->second.failed > 0) broke.push_back(tr("{} ({} of {})", family_text(family), it->second.failed, it->second.runs));
    else held.push_back(tr("{} ({})", family_text(family), it->second.runs));
  }
  if (broke.empty()) return speak::same("");
  Text yes = speak::join(broke, tr(", "));
  return held.empty() ? tr("broken by {}", yes) : tr("broken by {}; not by {}", yes, speak::join(held, tr(", ")));
}

}  // namespace check
