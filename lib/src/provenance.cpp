#include "sticky/provenance.hpp"

#include <algorithm>

namespace sticky {

void Provenance::sent(std::uint64_t msg, std::uint64_t bytes) {
  if (bytes == 0) return;
  if (!messages_.empty() && messages_.back().msg == msg)
    messages_.back().end += bytes;  // a message written in several calls
  else
    messages_.push_back({msg, sent_end_, sent_end_ + bytes});
  sent_end_ += bytes;
}

std::vector<Provenance::Span> Provenance::spans(std::uint64_t offset, std::uint64_t bytes) const {
  std::vector<Span> out;
  std::uint64_t end = offset + bytes;
  auto it = std::upper_bound(messages_.begin(), messages_.end(), offset,
                             [](std::uint64_t at, const Message& m) { return at < m.end; });
  while (offset < end) {
    if (it == messages_.end()) {
      out.push_back({0, offset, end - offset, false, false});  // bytes nobody recorded sending
      break;
    }
    std::uint64_t stop = std::min(end, it->end);
    out.push_back({it->msg, offset, stop - offset, offset == it->begin, stop == it->end});
    offset = stop;
    ++it;
  }
  return out;
}

std::vector<Provenance::Span> Provenance::received(std::uint64_t bytes) {
  auto out = spans(received_, bytes);
  received_ += bytes;
  return out;
}

}  // namespace sticky
