#include "sticky/language.hpp"

#include <libintl.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cwchar>
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

int display_width(std::string_view text) {
  int columns = 0;
  std::mbstate_t state{};
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    wchar_t c;
    std::size_t n = std::mbrtowc(&c, p, static_cast<std::size_t>(end - p), &state);
    if (n == 0 || n == static_cast<std::size_t>(-1) || n == static_cast<std::size_t>(-2)) {
      ++columns;  // a byte that is not UTF-8: one column, as an escape would take at least
      ++p;
      state = {};
      continue;
    }
    int w = ::wcwidth(c);
    columns += w < 0 ? 1 : w;
    p += n;
  }
  return columns;
}

}  // namespace sticky
