// The model drawn a third way: one self-contained HTML page of a trace, for a course page or a
// student without Linux. It opens from disk in any current browser, fetches nothing, and
// steps through the trace with the viewer's keys (and buttons): sends on the left, recvs on
// the right, every byte coloured and marked [n] by its message, the selected call's hex, the
// decoder's state, the narration's headings, in the page's language.
//
//   view::Page page({.predict = true});
//   for (auto& e : events) page.add(std::move(e));   // the same events a Model takes
//   std::ofstream("t.html") << page.html();
//
// The page is data plus a small script (tui/page/): every span, label, decoder state and
// text is computed here, from the same Model the terminal and the SVG draw, so the three say
// the same thing; the script only steps and draws.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model.hpp"
#include "sticky/trace.hpp"

namespace view {

struct PageOptions {
  bool predict = false;                    // ask before each recv how many bytes it returns
  std::size_t data_budget = 1 << 20;       // bytes of call data the page keeps, in all
};

class Page {
 public:
  explicit Page(PageOptions options = {}) : options_(options) {}

  // One event of the trace: into the model, and what the page needs besides (each event's
  // kind, its text, the codec of a framed stream).
  void add(sticky::TraceEvent event);
  Model& model() { return model_; }
  const Model& model() const { return model_; }

  // The decoder's state after each call (nullopt: not a recv of a framed stream), the same
  // as Model::decoder_after(i) but computed in one pass over the trace.
  std::vector<std::optional<DecoderState>> decoder_states() const;
  // Bytes of each call's data the page keeps: all of them while the trace fits the budget;
  // otherwise every call up to one size, so small calls stay whole and big ones are cut.
  std::vector<std::size_t> kept_bytes() const;

  std::string data_json() const;  // what the script reads (for tests)
  std::string html() const;       // the page

 private:
  struct Event {
    char kind;               // x call, s step, n note, e error, f call flow, r result, . other
    std::int32_t text = -1;  // into texts_
  };
  PageOptions options_;
  Model model_;
  std::vector<Event> events_;
  std::vector<std::string> texts_;  // English, as the trace has them
  std::map<std::pair<int, std::string>, std::string> frame_codec_;  // (conn, receiver) -> codec
};

}  // namespace view
