// sticky-check's ideas, free of sockets so tests can drive them: where a conversation's byte
// stream can be cut, which cuts to try, and how to shrink a failing cut. (What the failing
// cuts say about the program's mistake is diagnosis.hpp.)
//
// A cut is a stream offset: "cut after byte 2" is the offset 2, and the cut list {2, 6}
// sends bytes 0-1, 2-5 and 6-… as three pieces, each its own send(). A whole conversation
// sent one message per write is the cut list of its message boundaries.
//
//   check::Layout layout = check::layout_of(codec, frames);   // where messages and headers lie
//   auto plans = check::plan_cuts(layout, seed, check::Side::requests);
//   auto shrunk = check::shrink(failing.cuts, replay_fails, budget_left);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "speak/text.hpp"
#include "sticky/codec.hpp"

namespace check {

using Cuts = std::vector<std::uint64_t>;

// One framed message in the stream.
struct FramePlace {
  std::uint64_t start = 0;          // stream offset of its first byte
  std::uint64_t size = 0;           // bytes on the wire
  std::uint64_t payload_begin = 0;  // within the frame: the header's size for a length codec
  std::uint64_t payload_size = 0;
};

struct Layout {
  std::vector<FramePlace> frames;
  std::uint64_t header = 0;         // bytes before every payload when they are alike (length codec), else 0
  std::uint64_t header_length = 0;  // a header of its own length (JSON header): the bytes of that length
  std::string trailer = "delimiter";  // what follows a payload: "delimiter", or fixed size "padding"
  std::string noun = "message";       // what a frame is called in stories: "message", "answer"

  std::uint64_t total() const { return frames.empty() ? 0 : frames.back().start + frames.back().size; }
  // Whether the codec found headers: a length prefix, or a JSON header.
  bool has_header() const { return header > 0 || header_length > 0; }
  Cuts boundaries() const;  // every frame start but the first: one write per message
  // Which frame holds stream byte `offset` (the last frame for offsets past the end).
  std::size_t frame_at(std::uint64_t offset) const;
};

// The layout of `frames` (each one already encoded by `codec`) sent one after another.
Layout layout_of(const sticky::Codec& codec, const std::vector<std::string>& frames);
// The layout of a recorded stream, as far as it decodes with `codec`; bytes after the last
// whole frame are left out. Without a codec (answers that end at close) the whole stream is
// one frame, all payload.
Layout layout_of_stream(const sticky::Codec* codec, std::string_view stream);

// Families of cuts: each aims at one way of reading a stream wrongly.
enum class Family {
  all_in_one,    // every message in one write (粘包)
  header_split,  // a header cut in two
  header_body,   // header and body in separate writes
  body_split,    // a body cut in two
  glued,         // two messages in one write
  header_glued,  // the next header in the same write as the previous body
  bytes,         // 1-byte pieces
  random,        // seeded random cuts
};
inline constexpr Family kFamilies[] = {Family::all_in_one, Family::header_split, Family::header_body,
                                       Family::body_split, Family::glued,        Family::header_glued,
                                       Family::bytes,      Family::random};
std::string_view family_name(Family family);  // "header split", for people and JSON
speak::Text family_text(Family family);      // the same in the user's language too

struct Plan {
  Family family;
  std::string label;  // "header cut after byte 2", fits a report line
  Cuts cuts;
};

// Requests: sticky-check writes them and waits for each answer before the next message, so
// it can also glue messages together. Requests apart: one connection per message, so there
// is nothing to glue. Answers: a relay cuts them as the server sends them; it never holds
// bytes back, so it cannot glue answers the server sent apart.
enum class Side { requests, requests_apart, answers };

// Every plan worth trying, in the order to try them: first one of each family (so that a
// diagnosis is possible early), then the rest family by family in turn. The same layout
// and seed give the same plans.
std::vector<Plan> plan_cuts(const Layout& layout, std::uint64_t seed, Side side);

// The fewest cuts that still fail: tries no cuts at all, then delta debugging over `cuts`
// (subsets first, then complements) down to a list from which no single cut can be
// dropped. `fails` replays a cut list; `more` says whether the budget allows another replay.
// Results are remembered, so no list is replayed twice.
struct Shrunk {
  Cuts cuts;
  int replays = 0;
  bool minimal = false;  // false: the budget ran out first
};
Shrunk shrink(const Cuts& cuts, const std::function<bool(const Cuts&)>& fails,
              const std::function<bool()>& more);

// How the plans of one family fared.
struct Tally {
  int runs = 0;
  int failed = 0;
  int inconclusive = 0;  // runs that were no evidence either way (the program was not there)
};
using Tallies = std::map<Family, Tally>;

// "2,6"; "none" for no cuts. parse_cuts reads the same (std::invalid_argument otherwise).
std::string format_cuts(const Cuts& cuts);
Cuts parse_cuts(std::string_view text);

// Which parts of which messages bytes [begin, end) of the stream hold:
// "message 1: header bytes 1-2 of 4", "messages 2-6", "message 3: body bytes 1-512 of 1496".
// (In English; describe_span_text() says it in the user's language too.)
speak::Text describe_span_text(const Layout& layout, std::uint64_t begin, std::uint64_t end);
std::string describe_span(const Layout& layout, std::uint64_t begin, std::uint64_t end);

// The pieces a cut list makes of a stream of `total` bytes: [begin, end) pairs.
std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces(const Cuts& cuts, std::uint64_t total);

}  // namespace check
