// The viewer's model without a terminal: provenance, stepping, decoder states, the relay's
// events, the SVG picture.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <iterator>

#include "fit.hpp"
#include "keymap.hpp"
#include "model.hpp"
#include "svg.hpp"
#include "speak/terminal.hpp"
#include "sticky/bytes.hpp"
#include "sticky/codec.hpp"
#include "sticky/trace_json.hpp"
#include "support.hpp"

using view::Model;

namespace {
// Events as a trace file would hold them: read through the one JSON reader.
sticky::TraceEvent event(std::string side, std::string op, std::string data, std::uint64_t msg = 0, int conn = 1,
                         std::string codec = {}) {
  nlohmann::json j{{"side", side}, {"op", op}, {"data", sticky::to_hex(data)}, {"conn", conn}};
  if (msg) j["msg"] = msg;
  if (op == "recv") j["want"] = 1024;
  if (!codec.empty()) j["codec"] = codec;
  return sticky::parse_event(j.dump());
}
std::vector<std::uint64_t> messages(const view::Call& c) {
  std::vector<std::uint64_t> out;
  for (const auto& s : c.spans) out.push_back(s.msg);
  return out;
}
}  // namespace

TEST_CASE("a recv that holds three messages shows all three", "[view]") {
  Model m;
  m.add(event("client", "send", "hello", 1));
  m.add(event("client", "send", "world", 2));
  m.add(event("client", "send", "egon", 3));
  m.add(event("server", "recv", "helloworldegon"));
  const auto& recv = m.calls().back();
  CHECK(messages(recv) == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(recv.bytes(recv.spans[1]) == "world");
  CHECK(recv.spans[2].starts_message);
  CHECK(recv.spans[2].ends_message);
}

TEST_CASE("a message cut across three recvs is marked as parts", "[view]") {
  Model m;
  m.add(event("server", "send", "0123456789", 1));
  for (const char* piece : {"012", "345", "6789"}) m.add(event("client", "recv", piece));
  const auto& c = m.calls();
  REQUIRE(c.size() == 4);
  CHECK((c[1].spans[0].starts_message && !c[1].spans[0].ends_message));
  CHECK((!c[2].spans[0].starts_message && !c[2].spans[0].ends_message));
  CHECK((!c[3].spans[0].starts_message && c[3].spans[0].ends_message));
  for (std::size_t i = 1; i < 4; ++i) CHECK(messages(c[i]) == std::vector<std::uint64_t>{1});
}

TEST_CASE("stepping forward and back reveals and hides calls; selection follows", "[view]") {
  Model m;
  m.add(event("client", "send", "a", 1));
  sticky::TraceEvent note;
  note.op = sticky::Op::note;
  note.text = "the server is late";
  m.add(note);
  m.add(event("server", "recv", "a"));
  CHECK(m.visible_calls().empty());
  m.next();
  CHECK(m.visible_calls().size() == 1);
  m.next();
  CHECK(m.note() == "the server is late");
  m.next();
  CHECK(m.visible_calls().size() == 2);
  CHECK(m.selected() == 1u);
  m.select_previous();
  CHECK(m.selected() == 0u);
  m.back();
  CHECK(m.visible_calls().size() == 1);
  m.end();
  CHECK(m.at_end());
  m.home();
  CHECK(m.shown() == 0);
}

TEST_CASE("the decoder pane follows a length-prefixed stream recv by recv", "[view]") {
  Model m;
  std::string wire = sticky::LengthCodec().encode("abcdef");  // 4-byte header + 6
  m.add(event("server", "send", wire, 1));
  m.add(event("client", "recv", wire.substr(0, 2)));
  m.add(event("client", "recv", wire.substr(2, 5)));
  m.add(event("client", "recv", wire.substr(7)));
  m.add(event("client", "frame", "abcdef", 0, 1, "--codec length"));
  auto a = m.decoder_after(1), b = m.decoder_after(2), c = m.decoder_after(3);
  REQUIRE((a && b && c));
  CHECK(a->header_seen == 2);
  CHECK_FALSE(a->expected);
  CHECK(b->header_seen == 4);
  CHECK(b->expected == 6u);
  CHECK(b->buffered == 7);
  CHECK(b->frames == 0);
  CHECK(c->frames == 1);
  CHECK(c->buffered == 0);
  CHECK_THAT(c->codec, Catch::Contains("4 bytes, big endian"));
  CHECK_FALSE(m.decoder_after(0));  // a send has no decoder
}

TEST_CASE("the decoder pane recognises Python's struct.pack('i') header", "[view]") {
  Model m;
  std::string wire = sticky::LengthCodec(sticky::LengthOptions::python_i()).encode("xyz");
  m.add(event("server", "send", wire, 1));
  m.add(event("client", "recv", wire));
  m.add(event("client", "frame", "xyz", 0, 1, "--python-i"));
  auto d = m.decoder_after(1);
  REQUIRE(d);
  CHECK_THAT(d->codec, Catch::Contains("little endian, signed"));
  CHECK(d->frames == 1);
}

TEST_CASE("relay events become the two peers' sends and recvs", "[view]") {
  Model m;
  auto relay = [](std::string op, std::string dir, std::string data) {
    return sticky::parse_event(
        nlohmann::json{{"side", "relay"}, {"op", op}, {"dir", dir}, {"data", sticky::to_hex(data)}, {"conn", 1}}.dump());
  };
  m.add(relay("recv", "up", "hello"));
  m.add(relay("send", "up", "he"));
  m.add(relay("send", "up", "llo"));
  REQUIRE(m.calls().size() == 3);
  CHECK(m.calls()[0].side() == "client");
  CHECK(m.calls()[0].is_send);
  CHECK(m.calls()[1].side() == "server");
  CHECK(messages(m.calls()[2]) == std::vector<std::uint64_t>{1});
  CHECK_FALSE(m.calls()[2].spans[0].starts_message);
}

TEST_CASE("one connection at a time, or all", "[view]") {
  Model m;
  m.add(event("client", "send", "a", 1, 1));
  m.add(event("client", "send", "b", 1, 2));
  m.end();
  CHECK(m.visible_calls().size() == 2);
  m.next_connection();
  CHECK(m.connection() == 1);
  CHECK(m.visible_calls().size() == 1);
  m.next_connection();
  CHECK(m.connection() == 2);
  m.next_connection();
  CHECK(m.connection() == 0);
}

TEST_CASE("the SVG picture shows both columns and numbered messages", "[view][svg]") {
  Model m;
  m.set_title("01-nagle-merge — test", "");
  m.add(event("client", "send", "hello", 1));
  m.add(event("client", "send", "<&>", 2));
  m.add(event("server", "recv", "hello<&>"));
  std::string svg = view::to_svg(m);
  CHECK_THAT(svg, Catch::StartsWith("<svg "));
  CHECK_THAT(svg, Catch::Contains("sent: each send() call"));
  CHECK_THAT(svg, Catch::Contains("&lt;&amp;&gt;"));  // escaped
  CHECK_THAT(svg, Catch::Contains(">1</text>") && Catch::Contains(">2</text>"));
  CHECK_THAT(svg, Catch::EndsWith("</svg>\n"));
}

TEST_CASE("an empty datagram is never end of stream; each datagram is its own message", "[view][provenance]") {
  Model m;
  auto datagram = [](std::string side, std::string op, std::string data, std::uint64_t msg = 0) {
    nlohmann::json j{{"side", side}, {"op", op}, {"data", sticky::to_hex(data)}, {"conn", 1}, {"datagram", true}};
    if (msg) j["msg"] = msg;
    return sticky::parse_event(j.dump());
  };
  m.add(datagram("client", "send", "hello", 1));
  m.add(datagram("client", "send", "", 2));
  m.add(datagram("client", "send", "world", 3));
  m.add(datagram("server", "recv", "hello"));
  m.add(datagram("server", "recv", ""));
  m.add(datagram("server", "recv", "world"));
  m.add(event("server", "recv", "", 0, 2));  // a stream's 0-byte read
  const auto& c = m.calls();
  REQUIRE(c.size() == 7);
  CHECK(messages(c[3]) == std::vector<std::uint64_t>{1});
  CHECK(messages(c[5]) == std::vector<std::uint64_t>{3});
  CHECK(c[4].origin == "an empty datagram (not end of stream)");
  CHECK_FALSE(c[4].end_of_stream);
  CHECK(c[6].end_of_stream);
  CHECK(c[6].origin == "end of stream: the peer closed");
}

TEST_CASE("traces of two processes join by their addresses", "[view][provenance]") {
  Model m;
  auto traced = [](long pid, std::string op, std::string data, nlohmann::json more = nlohmann::json::object()) {
    more["pid"] = pid;
    more["op"] = op;
    more["conn"] = 1;
    more["program"] = pid == 100 ? "client.py" : "server.py";
    if (op == "send" || op == "recv") more["data"] = sticky::to_hex(data);
    return sticky::parse_event(more.dump());
  };
  m.add(traced(200, "accept", "", {{"local", "127.0.0.1:9001"}, {"peer", "127.0.0.1:40000"}}));
  m.add(traced(100, "connect", "", {{"local", "127.0.0.1:40000"}, {"peer", "127.0.0.1:9001"}}));
  m.add(traced(100, "send", "hello"));
  m.add(traced(100, "send", "world"));
  m.add(traced(100, "send", "egon"));
  m.add(traced(200, "recv", "helloworldegon", {{"want", 1024}}));
  const auto& c = m.calls();
  REQUIRE(c.size() == 4);
  CHECK(c[3].side() == "server.py [200]");
  CHECK(messages(c[3]) == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(c[3].origin == "messages 1–3");
}

TEST_CASE("a call's heading shortens the program's name, never the byte count", "[view][fit]") {
  using view::call_heading;
  const std::string side = "03-client-commands-naive.py [8526]";
  // Room for all of it: unchanged.
  CHECK(call_heading(side, "recv(1024)", " → 1024 B", 80) == side + " recv(1024) → 1024 B");
  // The 80-column screen's recv column (37 columns after the selection mark): the name gives
  // way, the pid stays while the name keeps 8 columns.
  CHECK(call_heading(side, "recv(1024)", " → 1024 B", 37) == "03-client… [8526] recv(1024) → 1024 B");
  CHECK(call_heading("02-server-recv-sizes.py [5313]", "recv(262144)", " → 126976 B", 37) ==
        "02-server-re… recv(262144) → 126976 B");
  CHECK(call_heading("02-server-recv-sizes.py [5313]", "recv(262144)", " → 126976 B", 47) ==
        "02-server-recv-… [5313] recv(262144) → 126976 B");
  // Whatever the label's length and the width, the count is whole and the line fits.
  const std::string tail = " → 126976 B";
  for (std::string who : {std::string("server"), side, std::string(200, 'x') + " [1]", std::string("粘包粘包粘包粘包粘包粘包粘包粘包.py [7]")})
    for (std::size_t columns = tail.size(); columns <= 60; ++columns) {
      INFO(who << " in " << columns << " columns");
      auto line = call_heading(who, "recv(262144)", tail, columns);
      CHECK_THAT(line, Catch::EndsWith(tail));
      CHECK(speak::display_width(line) <= std::max<std::size_t>(columns, speak::display_width(tail)));
      if (columns >= speak::display_width(tail) + 14) CHECK_THAT(line, Catch::Contains(" recv(262144) → 126976 B"));
    }
  CHECK(view::shorten_side("粘包粘包粘包.py [7]", 12) == "粘包粘… [7]");  // cut between whole characters
  CHECK(view::shorten_side("粘包粘包粘包.py [7]", 11) == "粘包粘包粘…");  // too narrow for the pid
}

TEST_CASE("the hex pane's window reaches the last byte and never scrolls past it", "[view][fit]") {
  view::Call c;
  c.data = std::string(1024, 'x');
  c.moved = 1024;
  CHECK(view::hex_lines(c) == 64);
  CHECK(view::clamp_hex_line(c, 4, 0) == 0);
  CHECK(view::clamp_hex_line(c, 4, 59) == 59);
  CHECK(view::clamp_hex_line(c, 4, 61) == 60);  // lines 60-63: the last shows bytes 1008-1023
  CHECK(view::clamp_hex_line(c, 4, 1000) == 60);
  CHECK(view::clamp_hex_line(c, 100, 5) == 0);  // all of it fits
  c.data.resize(1000);                          // the trace kept fewer bytes than were moved
  CHECK(view::hex_lines(c) == 64);              // 63 lines of bytes, one saying what was left out
  c.data.clear();
  c.moved = 0;
  CHECK(view::hex_lines(c) == 0);
  CHECK(view::clamp_hex_line(c, 4, 3) == 0);
}

TEST_CASE("the key bar, the help and the README come from the one keymap", "[view][keys]") {
  // The hex pane's keys are in the key bar at 80 columns, and in the help and the README.
  CHECK_THAT(view::key_bar(69), Catch::Contains("PgDn hex"));
  CHECK_THAT(view::key_list(), Catch::Contains("PgDn ] scroll the hex pane down") &&
                                   Catch::Contains("> the hex pane's last byte"));
  CHECK(view::action_for(']') == view::Action::hex_down);
  CHECK(view::action_for('>') == view::Action::hex_last);
  // At 80 columns (69 left beside the speed) help and quit are the last to go.
  for (int width : {69, 50, 30, 16}) {
    INFO(width);
    CHECK_THAT(view::key_bar(width), Catch::Contains("? help") && Catch::Contains("q quit"));
  }
  CHECK_THAT(view::key_bar(200), Catch::Contains("space next") && Catch::Contains("b back"));
  std::ifstream in("README.md");
  REQUIRE(in);
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string joined;  // the README wraps lines; compare with single spaces
  for (char c : readme) joined += c == '\n' ? ' ' : c;
  INFO("README.md should say: Keys: " << view::key_list() << ".");
  CHECK_THAT(joined, Catch::Contains("Keys: " + view::key_list() + "."));
}

TEST_CASE("demo 10's calls are seen in the viewer, with the bytes each moved", "[view][demos]") {
  auto r = test::run({test::binary("10-partial-send"), "--json"}, {}, 60);
  REQUIRE(r.status == 0);
  std::istringstream in(r.out);
  Model m;
  for (auto& e : sticky::read_trace(in)) m.add(std::move(e));
  REQUIRE(m.calls().size() >= 4);
  bool megabyte = false;
  for (const auto& c : m.calls()) megabyte = megabyte || (c.is_send && c.moved == 1048576);
  CHECK(megabyte);  // send_all's whole megabyte, though the trace keeps its first 64 bytes
}
