#include "sticky/language.hpp"

#include <libintl.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <stdexcept>

namespace sticky {

namespace {
Language chosen = Language::english;
constexpr const char* kDomain = "sticky";

bool names_chinese(std::string_view value) { return value.starts_with("zh"); }

// The catalogues beside the program: build/locale next to build/bin, or share/locale next
// to an installed bin/.
std::string catalogue_folder() {
  std::error_code ec;
  auto bin = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  for (auto candidate : {bin.parent_path() / "locale", bin.parent_path() / "share" / "locale"})
    if (std::filesystem::exists(candidate / "zh_CN" / "LC_MESSAGES" / "sticky.mo", ec)) return candidate.string();
  return (bin.parent_path() / "share" / "locale").string();
}
}  // namespace

Language choose_language(std::string_view requested) {
  if (requested.empty()) {
    // The first of these that is set decides, as for gettext itself.
    for (const char* name : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}) {
      const char* value = std::getenv(name);
      if (value && *value) return names_chinese(value) ? Language::chinese : Language::english;
    }
    return Language::english;
  }
  if (names_chinese(requested)) return Language::chinese;
  if (requested == "en" || requested.starts_with("en_") || requested == "C") return Language::english;
  throw std::invalid_argument("--lang: '" + std::string(requested) + "' is not a language sticky speaks: en or zh");
}

void use_language(Language language) {
  chosen = language;
  // Wide characters must be counted in columns whatever the language.
  const char* locale = std::setlocale(LC_ALL, "");
  if (!locale || std::string_view(locale) == "C" || std::string_view(locale) == "POSIX")
    std::setlocale(LC_ALL, "C.UTF-8");
  if (language == Language::english) {
    ::setenv("LANGUAGE", "en", 1);  // no catalogue: gettext returns the English text
    return;
  }
  // LANGUAGE is honoured in any locale but plain C, so Chinese needs no zh_CN locale.
  ::setenv("LANGUAGE", "zh_CN", 1);
  bindtextdomain(kDomain, catalogue_folder().c_str());
  bind_textdomain_codeset(kDomain, "UTF-8");
}

Language current_language() { return chosen; }

const char* translate(const char* english) {
  if (chosen == Language::english || !english || !*english) return english;
  return dgettext(kDomain, english);
}

// Decoded by hand, not by the C library: the answer must not depend on the locale.
int display_width(std::string_view text) {
  int columns = 0;
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    std::uint32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
    for (std::size_t k = 1; k < n && i + k < text.size(); ++k) cp = (cp << 6) | (text[i + k] & 0x3F);
    i += n;
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    bool combining = (cp >= 0x0300 && cp <= 0x036F) || cp == 0x200B;
    columns += combining ? 0 : wide ? 2 : 1;
  }
  return columns;
}

}  // namespace sticky
