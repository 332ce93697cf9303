// The language the programs speak: English by default; Chinese with --lang zh, or when
// LANGUAGE, LC_ALL, LC_MESSAGES or LANG names zh — also on a machine where no zh_CN locale
// was ever generated (the C.UTF-8 locale carries the text). GNU gettext does the work: the
// catalogues are built by the Makefile from po/*.po into locale/ beside the programs.
//
//   speak::use_language(speak::choose_language(lang_option));   // once, in main()
//   puts(speak::translate("Result"));                           // "结果" in Chinese
//
// JSON output never changes with the language: only what people read is translated.
#pragma once

#include <string>
#include <string_view>

namespace speak {

enum class Language { english, chinese };

// `requested`: "", "en", "zh", "zh_CN", "zh-CN" … ("" asks the environment).
// std::invalid_argument for a language there is no catalogue for.
Language choose_language(std::string_view requested);
void use_language(Language language);
Language current_language();

// The text in the chosen language; `english` itself when there is no translation.
const char* translate(const char* english);
// The same, by the short name gettext's users know; xgettext finds the strings by it.
inline const char* _(const char* english) { return translate(english); }
// Marks a text for translation where it is defined; translate it where it is shown.
constexpr const char* N_(const char* english) { return english; }

}  // namespace speak
