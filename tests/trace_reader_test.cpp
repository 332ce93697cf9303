// Bad input to the trace reader is an error with its line number, never an escape: whatever
// bytes a file holds, read_trace gives events or one TraceFormatError.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "sticky/trace_json.hpp"
#include "support.hpp"

namespace {

std::string error_of(const std::string& text) {
  std::istringstream in(text);
  try {
    sticky::read_trace(in);
  } catch (const sticky::TraceFormatError& e) {
    return e.what();
  }
  return "";
}

const std::string kGood = R"({"seq":1,"t_us":0,"side":"client","conn":1,"op":"send","msg":1,"bytes":5,"data":"68656c6c6f"})";

}  // namespace

TEST_CASE("every malformed trace line is a TraceFormatError naming its line", "[trace]") {
  // A key cut inside a character (the fuzzer's find: it escaped as a json type_error).
  CHECK(error_of(kGood + "\n" + kGood + "\n{\"op\":\"send\",\"byte\x8d\":5}\n") ==
        "line 3: not a trace event: byte 19 is not UTF-8");
  CHECK_THAT(error_of("not json\n"), Catch::StartsWith("line 1: not a trace event: "));
  CHECK_THAT(error_of(kGood + "\n\n{\"op\":7}\n"), Catch::StartsWith("line 3: not a trace event: "));
  CHECK_THAT(error_of("{\"seq\":1}\n"), Catch::Contains("no \"op\""));
  CHECK_THAT(error_of("{\"op\":\"send\",\"data\":\"6\"}\n"), Catch::StartsWith("line 1: not a trace event: "));
  // Facts the fast scanner skipped as a nested value must be JSON too (the fuzzer's second
  // find: they were written again as they came, and that line could not be read back).
  CHECK(error_of("{\"seq\":2,\"op\":\"result\",\"facts\":{\"a\":0jjj}}\n") ==
        "line 1: not a trace event: \"facts\" is not a JSON value");
  CHECK(error_of("{\"seq\":2,\"op\":\"send\",\"later\":[1,]}\n") ==
        "line 1: not a trace event: \"later\" is not a JSON value");
  CHECK(error_of(kGood + "\n" + kGood) == "");
}

TEST_CASE("sticky-view names the file and the line of a bad trace, and exits 1", "[trace][view]") {
  std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/sticky-bad-trace.jsonl";
  std::ofstream(path) << kGood << "\n" << kGood << "\n{\"op\":\"send\",\"byte\x8d\":5}\n";
  auto r = test::run({test::binary("sticky-view"), "--replay", path, "--export-svg", path + ".svg"});
  CHECK(r.status == 1);
  CHECK(r.err == "sticky-view: " + path + " line 3: not a trace event: byte 19 is not UTF-8\n");
  std::remove(path.c_str());
}
