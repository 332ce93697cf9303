#include "speak/language.hpp"

#include <libintl.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <stdexcept>

namespace speak {

namespace {
Language chosen = Language::english;
constexpr const char* kDomain = "sticky";

bool names_chinese(std::string_view value) { return value.starts_with("zh"); }

// The catalogues beside the program: build/locale next to build/bin, share/locale next to
// an installed bin/, or two levels up from an installed demo (PREFIX/libexec/sticky/).
std::string catalogue_folder() {
  std::error_code ec;
  auto bin = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  for (auto candidate : {bin.parent_path() / "locale", bin.parent_path() / "share" / "locale",
                         bin.parent_path().parent_path() / "share" / "locale"})
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

}  // namespace speak
