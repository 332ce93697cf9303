// Lesson pictures are files a browser opens: every SVG the build writes must be valid UTF-8
// (a picture of 粘包 that cuts a character in two does not open), and one with Chinese text
// is rendered by librsvg, as a browser or an image viewer would.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "sticky/bytes.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using test::binary;

namespace {

// Where the first byte that is not well-formed UTF-8 is (Unicode's table 3-7), or npos.
// Written here on its own, not borrowed from the code it checks.
std::size_t first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char c = b(i);
    std::size_t n;
    unsigned char low = 0x80, high = 0xbf;
    if (c < 0x80) n = 1;
    else if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) n = 3, low = c == 0xe0 ? 0xa0 : 0x80, high = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, low = c == 0xf0 ? 0x90 : 0x80, high = c == 0xf4 ? 0x8f : 0xbf;
    else return i;
    if (i + n > text.size()) return i;
    if (n > 1 && (b(i + 1) < low || b(i + 1) > high)) return i;
    for (std::size_t k = 2; k < n; ++k)
      if ((b(i + k) & 0xc0) != 0x80) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

fs::path source_root() {
  auto root = fs::path(binary("x")).parent_path().parent_path().parent_path();
  return fs::exists(root / "lessons") ? root : fs::current_path();
}

// Every demo next to the test binary: found, not listed.
std::vector<std::string> demos() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(fs::path(binary("x")).parent_path())) {
    auto name = entry.path().filename().string();
    if (name.size() > 3 && std::isdigit(static_cast<unsigned char>(name[0])) &&
        std::isdigit(static_cast<unsigned char>(name[1])) && name[2] == '-')
      out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("sticky-svg-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

}  // namespace

TEST_CASE("the strict UTF-8 check itself: whole characters pass, cut and ill-formed ones do not", "[view][svg]") {
  CHECK(first_invalid_utf8("粘包 hello → 执行成功 \xf0\x9f\x98\x80") == std::string_view::npos);
  CHECK(first_invalid_utf8("ab\xe6\x89") == 2);          // 执 cut after two of its three bytes
  CHECK(first_invalid_utf8("\xe5\x8a") == 0);            // lesson 11's picture, offset 1115
  CHECK(first_invalid_utf8("x\xf5\xbe\x82\xb9") == 1);   // lesson 10's picture, offset 3279
  CHECK(first_invalid_utf8("\xc0\xaf") == 0);            // overlong "/"
  CHECK(first_invalid_utf8("\xe0\x80\xaf") == 0);        // overlong, three bytes
  CHECK(first_invalid_utf8("\xed\xa0\x80") == 0);        // a UTF-16 surrogate
  CHECK(first_invalid_utf8("\xf4\x90\x80\x80") == 0);    // past U+10FFFF
}

TEST_CASE("printable keeps whole characters and escapes every byte that is not part of one", "[view][svg]") {
  CHECK(sticky::printable("粘包") == "粘包");
  CHECK(sticky::printable("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
  CHECK(sticky::printable("\xf5\xbe\x82\xb9") == "\\xf5\\xbe\\x82\\xb9");  // 0xf5 starts nothing
  CHECK(sticky::printable("\xe0\x80\xaf") == "\\xe0\\x80\\xaf");
  CHECK(sticky::printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(sticky::printable("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
  CHECK(sticky::printable("\xe6\x89") == "\\xe6\\x89");
  // Whatever the bytes, the text is valid UTF-8: every pair and every triple of bytes.
  std::string all;
  for (int a = 0x80; a < 0x100; ++a)
    for (int b = 0x80; b < 0x100; ++b) all += {static_cast<char>(a), static_cast<char>(b), static_cast<char>(a ^ b)};
  CHECK(first_invalid_utf8(sticky::printable(all)) == std::string_view::npos);
}

TEST_CASE("every picture the build writes is valid UTF-8, in English and in Chinese, and librsvg renders it",
          "[view][svg]") {
  TempDir dir;
  const std::string lessons = (source_root() / "lessons").string();
  std::vector<fs::path> pictures;
  for (const auto& demo : demos()) {
    auto trace = dir.path / (demo + ".jsonl");
    std::ofstream(trace) << test::demo_json(demo);
    // As make lesson-pictures draws them (12 calls), and as a student's --export-svg does (24).
    for (std::string lang : {"en", "zh"})
      for (std::string calls : {"12", "24"}) {
        auto svg = dir.path / (demo + "." + lang + "." + calls + ".svg");
        auto r = test::run({binary("sticky-view"), "--lang", lang, "--lessons", lessons, "--replay", trace.string(),
                            "--calls", calls, "--export-svg", svg.string()});
        INFO(demo << " --lang " << lang << ": " << r.err);
        REQUIRE(r.status == 0);
        pictures.push_back(svg);
      }
  }
  // And the pictures the lessons show (make lesson-pictures wrote them).
  for (const auto& entry : fs::directory_iterator(source_root() / "lessons/pictures"))
    if (entry.path().extension() == ".svg") pictures.push_back(entry.path());
  REQUIRE(pictures.size() >= 4 * demos().size());

  fs::path with_chinese;
  for (const auto& svg : pictures) {
    auto text = read_file(svg);
    auto bad = first_invalid_utf8(text);
    INFO(svg.string() << ": byte " << bad << " is not well-formed UTF-8: "
                      << (bad == std::string_view::npos ? "" : test::hex(text.substr(bad, 4))));
    CHECK(bad == std::string_view::npos);
    CHECK_THAT(text, Catch::StartsWith("<svg") && Catch::EndsWith("</svg>\n"));
    // Lesson 11's text cut, titled from the Chinese lesson: CJK in the title and in the bytes.
    if (svg.filename() == "11-text-cut.zh.24.svg") with_chinese = svg;
  }

  // Rendered as an image viewer would: librsvg parses the XML (it refuses invalid UTF-8) and
  // draws it, Chinese text included.
  REQUIRE(!with_chinese.empty());
  CHECK_THAT(read_file(with_chinese), Catch::Contains("执行成功") || Catch::Contains("执行"));
  for (const auto& svg : {with_chinese, source_root() / "lessons/pictures/11-text-cut.svg"}) {
    auto png = dir.path / (svg.stem().string() + ".png");
    auto r = test::run({"rsvg-convert", "--format", "png", "--output", png.string(), svg.string()});
    INFO("rsvg-convert " << svg.string() << ": " << r.err << " (librsvg2-bin: make deps installs it)");
    CHECK(r.status == 0);
    auto image = read_file(png);
    REQUIRE(image.size() > 24);
    CHECK(image.substr(0, 8) == "\x89PNG\r\n\x1a\n");
    // The size in the PNG header is the SVG's: 960 pixels wide.
    auto u32 = [&](std::size_t at) {
      return (static_cast<unsigned char>(image[at]) << 24) | (static_cast<unsigned char>(image[at + 1]) << 16) |
             (static_cast<unsigned char>(image[at + 2]) << 8) | static_cast<unsigned char>(image[at + 3]);
    };
    CHECK(u32(16) == 960);
    CHECK(u32(20) > 100);
  }
}
