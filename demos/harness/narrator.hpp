// Turns trace events into the lines a student reads: who sent what, what each recv() got,
// and which messages those bytes came from (coloured, and quoted apart for monochrome).
// Which message each byte came from, and what a call means, is lib's provenance model's
// to say: the narration, the viewer and the pictures say the same thing.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "sticky/provenance.hpp"
#include "sticky/trace.hpp"

namespace harness {

class Narrator {
 public:
  // `narrate_io` may switch send/recv lines off while the trace keeps them.
  Narrator(std::FILE* out, bool colour, const std::atomic<bool>* narrate_io)
      : out_(out), colour_(colour), narrate_io_(narrate_io), provenance_(std::make_shared<sticky::ProvenanceModel>()) {}
  void operator()(const sticky::TraceEvent& event);

 private:
  std::string paint(std::uint64_t msg, const std::string& text) const;
  std::string bold(const std::string& text) const;
  std::string dim(const std::string& text) const;
  std::string call_line(const sticky::TraceEvent& e, const sticky::AttributedCall& call) const;
  std::FILE* out_;
  bool colour_;
  const std::atomic<bool>* narrate_io_;
  std::shared_ptr<sticky::ProvenanceModel> provenance_;  // shared: a listener is copied
};

// Quoted, escaped, shortened to about `limit` characters: "hello wo…(+1 KiB)".
std::string preview(std::string_view bytes, std::size_t limit);

}  // namespace harness
