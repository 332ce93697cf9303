// The command-line contract every binary keeps: --help answers with status 0 and fits 80
// columns (a classroom terminal, a man page); a wrong option is a usage error, status 2.
#include <catch2/catch.hpp>

#include <sstream>

#include "speak/language.hpp"
#include "speak/terminal.hpp"
#include "support.hpp"

TEST_CASE("every binary's --help fits 80 columns and a wrong option is status 2", "[contract]") {
  auto names = test::demos();
  for (const auto& tool : test::tools()) names.push_back(tool);
  names.push_back("sticky-view");
  for (const auto& name : names) {
    INFO(name);
    auto help = test::run({test::binary(name), "--help"});
    CHECK(help.status == 0);
    std::istringstream lines(help.out);
    int widest = 0;
    for (std::string line; std::getline(lines, line);) widest = std::max(widest, static_cast<int>(speak::display_width(line)));
    CHECK(widest <= 80);
    CHECK(test::run({test::binary(name), "--no-such-option"}).status == 2);
  }
}
