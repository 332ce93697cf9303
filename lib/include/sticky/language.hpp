// The language the programs speak: English by default; Chinese with --lang zh, or when
// LANGUAGE, LC_ALL, LC_MESSAGES or LANG names zh — also on a machine where no zh_CN locale
// was ever generated (the C.UTF-8 locale carries the text). GNU gettext does the work: the
// catalogues are built by the Makefile from po/*.po into locale/ beside the programs.
//
//   sticky::use_language(sticky::choose_language(lang_option));   // once, in main()
//   puts(sticky::translate("Result"));                           // "结果" in Chinese
//
// JSON output never changes with the language: only what people read is translated.
#pragma once

#include <string>
#include <string_view>

namespace sticky {

enum class Language { english, chinese };

// `requested`: "", "en", "zh", "zh_CN", "zh-CN" … ("" asks the environment).
// std::invalid_argument for a language there is no catalogue for.
Language choose_language(std::string_view requested);
void use_language(Language language);
Language current_language();

// The text in the chosen language; `english` itself when there is no translation.
const char* translate(const char* english);

// Terminal columns a UTF-8 text takes: a Chinese character takes two.
int display_width(std::string_view text);

}  // namespace sticky
