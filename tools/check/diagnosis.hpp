// What a broken program most likely does wrong, said so that it is true of the program it
// names, with the fix in one line and the lesson that teaches it.
//
// The mistake is read from a few probes: the smallest cuts that tell the classic mistakes
// apart, each on the first messages only (small ones, which the kernel never cuts by
// itself), so that the same program gets the same diagnosis on a busy machine:
//
//   header split     one header cut in two              (the header needs a loop)
//   header and body  the first header alone, its body after
//   body split       one body cut in two                 (the body needs a loop)
//   glued            the first two messages in one write (the rest of a read is kept)
//
//   check::Probes probes = check::plan_probes(layout, side);   // run each, set .broke
//   check::Diagnosis d = check::diagnose(probes, check::context_of(layout, framing));
//   d = check::refine(d, probes, program_stderr, context);    // UnicodeDecodeError: text
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check/cuts.hpp"
#include "check/framing.hpp"
#include "speak/text.hpp"

namespace check {

// The mistakes, by a name that never changes (JSON, tests, sticky-learn match on these).
inline constexpr std::string_view kRecvHeader = "recv-header";    // one recv() taken for the whole header
inline constexpr std::string_view kOneRecv = "one-recv";          // one recv() taken for one message
inline constexpr std::string_view kDropsRest = "drops-rest";      // the bytes after a message are lost
inline constexpr std::string_view kBodyShort = "body-short";      // the body read before all of it came
inline constexpr std::string_view kByteOrder = "byte-order";      // the length read in another byte order or size
inline constexpr std::string_view kDecodesPieces = "decodes-pieces";  // each recv() decoded as text
inline constexpr std::string_view kEmptyBody = "empty-body";      // waits for the body of an empty message

struct Mistake {
  std::string id;     // one of the names above
  speak::Text words;  // "assumes one recv() returns the whole 4-byte header"
  speak::Text fix;    // "read exactly 4 header bytes with recv_exact"
  int lesson = 0;     // the lesson that teaches the fix: 2
  std::string lesson_file;  // "02-short-read.md" (lessons/, lessons/zh/)
};

// What the words of a mistake depend on: the framing the codec found.
struct MistakeContext {
  std::uint64_t header = 0;         // a fixed header's size (length prefix)
  std::uint64_t header_length = 0;  // a JSON header's length field (2)
  bool delimiter = false;           // messages end in a delimiter
  bool length_prefix_only_split = false;  // JSON header: the cut in its 2-byte length broke it
};
MistakeContext context_of(const Layout& layout, const Framing& framing);
Mistake mistake(std::string_view id, const MistakeContext& context);

// One probe: its cuts, whether it broke the program (unset until run), what it said.
struct Probe {
  std::string name;   // "header split", "header length split", "header and body", "body split",
                      // "delimiter apart", "glued"
  Cuts cuts;          // on the stream of the first `messages` messages
  std::size_t messages = 0;
  std::optional<bool> broke;
  std::string error;  // the program's last words when it broke (stderr), for refine()
};
using Probes = std::vector<Probe>;
speak::Text probe_text(std::string_view name);  // "a header cut in two"

// The probes for a layout: `side` requests (one connection, gluing possible), requests
// apart (one connection each) or answers (cut as they come; nothing glued).
Probes plan_probes(const Layout& layout, Side side);

struct Diagnosis {
  std::vector<Mistake> mistakes;  // empty: no classic mistake fits
  speak::Text evidence;           // which probes broke it, which did not
  bool empty() const { return mistakes.empty(); }
  bool names(std::string_view id) const;
};

// The mistakes the probes' pattern names (none when no probe broke it).
Diagnosis diagnose(const Probes& probes, const MistakeContext& context);
// Where the smallest failing cut falls, when the probes name nothing (the program fails only
// on large messages, or on random cuts): inside a header, a body, a delimiter, or glue.
Diagnosis diagnose_cut(const Layout& layout, const Cuts& cuts, Side side, const MistakeContext& context);
// What the program said can name the mistake more exactly: a UnicodeDecodeError while every
// header survives is text decoded per recv(); a struct.error "unpack requires a buffer of N
// bytes" when nothing else was named is a short header read.
Diagnosis refine(Diagnosis diagnosis, std::string_view error_text, const MistakeContext& context);

// Families that broke it and families that did not, for the report: "broken by header split
// (1 of 1), 1-byte pieces (1 of 1); not by body split (3)".
speak::Text family_evidence(const Tallies& tallies);

}  // namespace check
