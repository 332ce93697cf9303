// The command-line contract every binary keeps: --help answers with status 0 and fits 80
// columns (a classroom terminal, a man page); a wrong option is a usage error, status 2.
#include <catch2/catch.hpp>

#include <sstream>

#include "speak/language.hpp"
#include "speak/terminal.hpp"
#include "support.hpp"

TEST_CASE("every binary's --help fits 80 columns and a wrong option is status 2", "[contract]") {
  for (std::string name : {"01-nagle-merge", "02-short-read", "03-command-desync", "04-naive-handshake",
                           "05-struct-prefix", "06-write-write-read", "07-udp-boundaries", "08-empty-and-eof",
                           "09-socketserver", "10-partial-send", "11-text-cut", "12-real-link", "frametool", "relay",
                           "sticky-view", "sticky-trace", "sticky-check", "sticky-link"}) {
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
