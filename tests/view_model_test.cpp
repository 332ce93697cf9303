// The viewer's model without a terminal: provenance, stepping, decoder states, the relay's
// events, the SVG picture.
#include <catch2/catch.hpp>

#include "model.hpp"
#include "svg.hpp"
#include "sticky/codec.hpp"

using view::Model;

namespace {
sticky::TraceEvent event(std::string side, std::string op, std::string data, std::uint64_t msg = 0, int conn = 1) {
  sticky::TraceEvent e;
  e.side = std::move(side);
  e.op = std::move(op);
  e.data = std::move(data);
  e.conn = conn;
  if (msg) e.msg = msg;
  if (e.op == "recv") e.want = 1024;
  return e;
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
  CHECK(recv.spans[1].bytes == "world");
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
  note.op = "note";
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
  m.add(event("client", "frame", "abcdef"));
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
  CHECK(c->codec == "u32 big endian");
  CHECK_FALSE(m.decoder_after(0));  // a send has no decoder
}

TEST_CASE("the decoder pane recognises Python's struct.pack('i') header", "[view]") {
  Model m;
  std::string wire = sticky::LengthCodec(sticky::LengthOptions::python_i()).encode("xyz");
  m.add(event("server", "send", wire, 1));
  m.add(event("client", "recv", wire));
  m.add(event("client", "frame", "xyz"));
  auto d = m.decoder_after(1);
  REQUIRE(d);
  CHECK_THAT(d->codec, Catch::StartsWith("python-i"));
  CHECK(d->frames == 1);
}

TEST_CASE("relay events become the two peers' sends and recvs", "[view]") {
  Model m;
  auto relay = [](std::string op, std::string dir, std::string data) {
    sticky::TraceEvent e;
    e.side = "relay";
    e.op = std::move(op);
    e.text = std::move(dir);
    e.data = std::move(data);
    e.conn = 1;
    return e;
  };
  m.add(relay("recv", "up", "hello"));
  m.add(relay("send", "up", "he"));
  m.add(relay("send", "up", "llo"));
  REQUIRE(m.calls().size() == 3);
  CHECK(m.calls()[0].side == "client");
  CHECK(m.calls()[0].is_send);
  CHECK(m.calls()[1].side == "server");
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
