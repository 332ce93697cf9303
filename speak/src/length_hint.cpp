#include "speak/length_hint.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "speak/text.hpp"
#include "sticky/bytes.hpp"

namespace speak {

std::optional<std::int64_t> other_byte_order_value(const sticky::LengthOptions& o, std::string_view header) {
  if (o.width < 2 || header.size() < o.offset + static_cast<std::size_t>(o.width)) return std::nullopt;
  std::string_view field = header.substr(o.offset, static_cast<std::size_t>(o.width));
  std::uint64_t value = 0;
  for (int i = 0; i < o.width; ++i) {
    int at = o.big_endian ? i : o.width - 1 - i;  // reversed
    value |= std::uint64_t(static_cast<unsigned char>(field[static_cast<std::size_t>(at)])) << (8 * i);
  }
  std::int64_t as_signed = static_cast<std::int64_t>(value);
  if (o.is_signed && o.width < 8 && (value >> (8 * o.width - 1)) & 1) as_signed -= std::int64_t(1) << (8 * o.width);
  return o.is_signed ? as_signed : static_cast<std::int64_t>(value);
}

std::optional<std::int64_t> other_byte_order(const sticky::LengthOptions& o, std::string_view header) {
  auto other = other_byte_order_value(o, header);
  if (!other) return std::nullopt;
  bool huge = !o.is_signed && o.width == 8 && *other < 0;  // an unsigned value past 2^63
  bool fits = !huge && *other >= 0 && *other + o.adjust >= 0 && static_cast<std::uint64_t>(*other + o.adjust) <= o.max_frame;
  if (!fits) return std::nullopt;
  return other;
}

std::string length_hint(const sticky::LengthOptions& o, std::string_view header, bool endian_option) {
  if (header.size() < o.offset + static_cast<std::size_t>(o.width)) return {};
  std::string_view field = header.substr(o.offset, static_cast<std::size_t>(o.width));
  std::vector<Text> hints;
  bool text = std::all_of(field.begin(), field.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t';
  });
  if (text)
    hints.push_back(tr("its {} bytes are \"{}\": this stream looks like text, not a length-prefixed one", field.size(),
                       sticky::printable(field)));
  if (auto other = other_byte_order(o, header)) {
    bool python_i = !o.big_endian && o.is_signed && o.width == 4;
    Text try_this = !o.big_endian ? python_i ? tr("without --python-i (big-endian is the default)") : same("--endian big")
                    : !endian_option ? same("--python-i")
                    : o.width == 4 ? tr("--endian little or --python-i")
                                   : same("--endian little");
    hints.push_back(o.big_endian ? tr("read little-endian it is {}: try {}", *other, try_this)
                                 : tr("read big-endian it is {}: try {}", *other, try_this));
  }
  return join(hints, tr("; ")).english;  // remembered: localize() shows it translated
}

}  // namespace speak
