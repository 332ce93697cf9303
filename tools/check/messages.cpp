#include "check/messages.hpp"

#include <fstream>
#include <stdexcept>

#include "speak/text.hpp"

namespace check {

std::vector<std::string> builtin_messages(const sticky::Codec* codec) {
  std::string long_text, huge_text;
  for (int i = 0; long_text.size() < 1500; ++i) long_text += std::to_string(i) + " ";
  long_text.resize(1500);
  for (int i = 0; huge_text.size() < 70000; ++i) huge_text += "sticky packets " + std::to_string(i) + " ";
  huge_text.resize(70000);
  std::vector<std::string> all{"hello", "", "x", "hello world egon", "粘包与半包：执行成功", long_text, huge_text};
  if (!codec) return all;
  std::vector<std::string> fit;
  for (auto& m : all) {
    try {
      codec->encode(m);
      fit.push_back(m);
    } catch (const std::invalid_argument&) {
    }
  }
  return fit;
}

std::vector<std::string> read_lines(const std::string& path, std::string_view option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(speak::tr("{}: cannot read {}", option, path).english);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool answers_as_expected(std::string_view answer, std::string_view expected) {
  if (answer == expected) return true;
  if (answer.ends_with("\r\n")) answer.remove_suffix(2);
  else if (answer.ends_with("\n")) answer.remove_suffix(1);
  return answer == expected;
}

}  // namespace check
