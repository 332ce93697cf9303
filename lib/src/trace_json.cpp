#include "sticky/trace_json.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <istream>
#include <ostream>
#include <utility>

#include "sticky/bytes.hpp"

namespace sticky {

namespace {

using nlohmann::json;

constexpr std::array kOps{Op::meta,    Op::step,   Op::note,   Op::call,   Op::error,    Op::result,
                          Op::segments, Op::send,  Op::recv,   Op::frame,  Op::connect,  Op::accept,
                          Op::bind,    Op::listen, Op::shutdown, Op::close};

// The one place where an op's name becomes an Op.
Op op_from_name(std::string_view name) {
  for (Op op : kOps)
    if (to_string(op) == name) return op;
  return Op::unknown;
}

Side side_from_name(std::string_view name) {
  for (Side s : {Side::client, Side::server, Side::relay})
    if (to_string(s) == name) return s;
  return Side::none;
}

// Fields this version reads; everything else goes to TraceEvent::extra.
constexpr std::array<std::string_view, 25> kKnown{
    "seq",  "t_us",      "op",   "side",     "conn",      "msg",   "want",   "bytes", "data",
    "data_left_out", "text", "observed", "dir",  "datagram", "truncated", "full_size", "codec",
    "pid",  "program",   "prog", "call",     "local",     "peer",  "errno",  "facts"};

bool known(std::string_view key) {
  for (auto k : kKnown)
    if (k == key) return true;
  return false;
}

std::string to_json_line_key(const std::string& key) { return json(key).dump() + ":"; }

}  // namespace

TraceFormatError::TraceFormatError(std::size_t line, const std::string& why)
    : std::runtime_error("line " + std::to_string(line) + ": not a trace event: " + why), line_(line) {}

std::string to_json_line(const TraceEvent& e) {
  json j = e.extra.empty() ? json::object() : json::parse(e.extra, nullptr, false);
  if (!j.is_object()) j = json::object();
  j["seq"] = e.seq;
  j["t_us"] = e.t_us;
  if (e.side != Side::none) j["side"] = to_string(e.side);
  if (e.conn) j["conn"] = *e.conn;
  j["op"] = e.op == Op::unknown ? e.unknown_op : std::string(to_string(e.op));
  if (e.direction != Direction::none) j["dir"] = to_string(e.direction);
  if (e.msg) j["msg"] = *e.msg;
  if (e.want) j["want"] = *e.want;
  if (e.moves_bytes() || !e.data.empty() || e.data_left_out) {
    j["bytes"] = e.bytes();
    j["data"] = to_hex(e.data);
    if (e.data_left_out) j["data_left_out"] = e.data_left_out;
  }
  if (e.datagram) j["datagram"] = true;
  if (e.truncated) j["truncated"] = true;
  if (e.full_size) j["full_size"] = *e.full_size;
  if (!e.codec.empty()) j["codec"] = e.codec;
  if (!e.text.empty()) j["text"] = e.text;
  if (e.observed) j["observed"] = *e.observed;
  if (e.pid) j["pid"] = *e.pid;
  if (!e.program.empty()) j["program"] = e.program;
  if (!e.function.empty()) j["call"] = e.function;
  if (!e.local.empty()) j["local"] = e.local;
  if (!e.peer.empty()) j["peer"] = e.peer;
  if (!e.error_name.empty()) j["errno"] = e.error_name;
  if (!e.facts.empty()) j["facts"] = json::parse(e.facts, nullptr, false);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// A reader for the flat objects a trace line holds, written for speed: a viewer opens a
// million-line trace faster than Python's json.loads reads it. Values the reader does not
// need to understand (facts, unknown fields) are kept as their raw JSON text. Anything that
// is not JSON is refused with the reason.
class LineParser {
 public:
  explicit LineParser(std::string_view text) : s_(text) {}

  struct Value {
    char kind;             // '"' string, 'n' number, 't' true, 'f' false, '0' null, '{' object, '[' array
    std::string_view raw;  // the value's JSON text
  };

  // Calls on_field(key, value) for each field of the object that is the whole text.
  template <typename OnField>
  void object(OnField&& on_field) {
    skip_space();
    expect('{', "an event must be a JSON object");
    skip_space();
    if (peek() == '}') {
      ++at_;
    } else {
      for (;;) {
        skip_space();
        if (peek() != '"') fail("a field name must be a string");
        std::string key = string();
        skip_space();
        expect(':', "':' expected after a field name");
        skip_space();
        on_field(key, value());
        skip_space();
        if (peek() == ',') { ++at_; continue; }
        expect('}', "',' or '}' expected");
        break;
      }
    }
    skip_space();
    if (at_ != s_.size()) fail("text after the end of the object");
  }

  static std::string decode_string(std::string_view raw) {
    LineParser p(raw);
    return p.string();
  }

  [[noreturn]] static void fail(const std::string& why) { throw std::invalid_argument(why); }

 private:
  char peek() const { return at_ < s_.size() ? s_[at_] : '\0'; }
  void skip_space() {
    while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\r' || s_[at_] == '\n')) ++at_;
  }
  void expect(char c, const char* why) {
    if (peek() != c) fail(at_ >= s_.size() ? "the line ends inside the object" : why);
    ++at_;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) out += static_cast<char>(cp);
    else if (cp < 0x800) out += static_cast<char>(0xC0 | (cp >> 6)), out += static_cast<char>(0x80 | (cp & 0x3F));
    else if (cp < 0x10000)
      out += static_cast<char>(0xE0 | (cp >> 12)), out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
          out += static_cast<char>(0x80 | (cp & 0x3F));
    else
      out += static_cast<char>(0xF0 | (cp >> 18)), out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), out += static_cast<char>(0x80 | (cp & 0x3F));
  }

  std::uint32_t hex4() {
    if (at_ + 4 > s_.size()) fail("a \\u escape needs four hex digits");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[at_++];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) fail("a \\u escape needs four hex digits");
      v = v * 16 + static_cast<std::uint32_t>(d);
    }
    return v;
  }

  std::string string() {
    expect('"', "a string expected");
    std::string out;
    for (;;) {
      std::size_t start = at_;
      while (at_ < s_.size() && s_[at_] != '"' && s_[at_] != '\\' && static_cast<unsigned char>(s_[at_]) >= 0x20) ++at_;
      out.append(s_.substr(start, at_ - start));
      if (at_ >= s_.size()) fail("the line ends inside a string");
      char c = s_[at_++];
      if (c == '"') return out;
      if (c != '\\') fail("a control character inside a string");
      if (at_ >= s_.size()) fail("the line ends inside a string");
      switch (char e = s_[at_++]) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && at_ + 1 < s_.size() && s_[at_] == '\\' && s_[at_ + 1] == 'u') {
            at_ += 2;
            std::uint32_t low = hex4();
            if (low >= 0xDC00 && low < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            else append_utf8(out, 0xFFFD), cp = low;
          }
          if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;  // a lone surrogate
          append_utf8(out, cp);
          break;
        }
        default: fail("an unknown escape in a string");
      }
    }
  }

  Value value() {
    std::size_t start = at_;
    char c = peek();
    char kind;
    if (c == '"') {
      skip_string();
      kind = '"';
    } else if (c == '{' || c == '[') {
      skip_nested();
      kind = c;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      if (c == '-') ++at_;
      if (!(peek() >= '0' && peek() <= '9')) fail("a number expected");
      while ((peek() >= '0' && peek() <= '9') || peek() == '.' || peek() == 'e' || peek() == 'E' || peek() == '+' ||
             peek() == '-')
        ++at_;
      kind = 'n';
    } else if (s_.substr(at_, 4) == "true") {
      at_ += 4;
      kind = 't';
    } else if (s_.substr(at_, 5) == "false") {
      at_ += 5;
      kind = 'f';
    } else if (s_.substr(at_, 4) == "null") {
      at_ += 4;
      kind = '0';
    } else {
      fail(at_ >= s_.size() ? "the line ends before a value" : "not JSON: a value expected");
    }
    return {kind, s_.substr(start, at_ - start)};
  }

  void skip_string() {
    ++at_;
    while (at_ < s_.size() && s_[at_] != '"') at_ += s_[at_] == '\\' ? 2 : 1;
    if (at_ >= s_.size()) fail("the line ends inside a string");
    ++at_;
  }

  // An object or array kept as text: brackets matched, strings skipped, depth bounded.
  void skip_nested() {
    std::string closers;
    do {
      char c = peek();
      if (c == '"') {
        skip_string();
        continue;
      }
      if (c == '{' || c == '[') {
        if (closers.size() == 64) fail("nested deeper than 64 levels");
        closers += c == '{' ? '}' : ']';
      } else if (c == '}' || c == ']') {
        if (c != closers.back()) fail("mismatched brackets");
        closers.pop_back();
      } else if (c == '\0' && at_ >= s_.size()) {
        fail("the line ends inside a value");
      }
      ++at_;
    } while (!closers.empty());
  }

  std::string_view s_;
  std::size_t at_ = 0;
};

template <typename T>
T number_of(const std::string& key, const LineParser::Value& v) {
  if (v.kind != 'n') LineParser::fail("\"" + key + "\" must be a number");
  T out{};
  auto [end, error] = std::from_chars(v.raw.data(), v.raw.data() + v.raw.size(), out);
  if (error != std::errc{} || end != v.raw.data() + v.raw.size())
    LineParser::fail("\"" + key + "\" must be a whole number in range, not " + std::string(v.raw));
  return out;
}

bool bool_of(const std::string& key, const LineParser::Value& v) {
  if (v.kind != 't' && v.kind != 'f') LineParser::fail("\"" + key + "\" must be true or false");
  return v.kind == 't';
}

std::string string_of(const std::string& key, const LineParser::Value& v) {
  if (v.kind != '"') LineParser::fail("\"" + key + "\" must be a string");
  return LineParser::decode_string(v.raw);
}

// A value kept as raw text (facts, a field we do not know) is written again as it came: it
// must be JSON itself, not only look like it to the fast scanner (which skips nested values).
std::string_view valid_json(const std::string& key, std::string_view raw) {
  if (!nlohmann::json::accept(raw)) throw std::invalid_argument("\"" + key + "\" is not a JSON value");
  return raw;
}

}  // namespace

TraceEvent parse_event(std::string_view line) {
  TraceEvent e;
  std::string op, side, dir, extra;
  std::optional<std::uint64_t> bytes;
  bool has_op = false;
  std::string_view facts;
  // JSON is UTF-8: a stray byte (a key cut inside a character) is a bad line, said here once.
  if (auto bad = first_invalid_utf8(line); bad != std::string_view::npos)
    throw std::invalid_argument("byte " + std::to_string(bad + 1) + " is not UTF-8");
  LineParser(line).object([&](const std::string& key, const LineParser::Value& v) {
    if (v.kind == '0' && known(key)) return;  // null: as if absent
    if (key == "op") op = string_of(key, v), has_op = true;
    else if (key == "seq") e.seq = number_of<std::uint64_t>(key, v);
    else if (key == "t_us") e.t_us = number_of<std::int64_t>(key, v);
    else if (key == "side") side = string_of(key, v);
    else if (key == "conn") e.conn = number_of<int>(key, v);
    else if (key == "msg") e.msg = number_of<std::uint64_t>(key, v);
    else if (key == "want") e.want = number_of<std::uint64_t>(key, v);
    else if (key == "bytes") bytes = number_of<std::uint64_t>(key, v);
    else if (key == "data") e.data = from_hex(string_of(key, v));
    else if (key == "data_left_out") e.data_left_out = number_of<std::uint64_t>(key, v);
    else if (key == "text") e.text = string_of(key, v);
    else if (key == "observed") e.observed = bool_of(key, v);
    else if (key == "dir") dir = string_of(key, v);
    else if (key == "datagram") e.datagram = bool_of(key, v);
    else if (key == "truncated") e.truncated = bool_of(key, v);
    else if (key == "full_size") e.full_size = number_of<std::uint64_t>(key, v);
    else if (key == "codec") e.codec = string_of(key, v);
    else if (key == "pid") e.pid = number_of<long>(key, v);
    else if (key == "program" || key == "prog") e.program = string_of(key, v);
    else if (key == "call") e.function = string_of(key, v);
    else if (key == "local") e.local = string_of(key, v);
    else if (key == "peer") e.peer = string_of(key, v);
    else if (key == "errno") e.error_name = string_of(key, v);
    else if (key == "facts") facts = valid_json(key, v.raw);
    else {
      // Kept as it came, so that writing the event again loses nothing.
      extra += extra.empty() ? "{" : ",";
      extra += to_json_line_key(key);
      extra += valid_json(key, v.raw);
    }
  });
  if (!has_op) throw std::invalid_argument("no \"op\": every event says what happened");
  e.op = op_from_name(op);
  if (e.op == Op::unknown) e.unknown_op = op;
  e.side = side_from_name(side);
  // A traced program's label (the script it runs, or --label) names it better than argv[0].
  if (!side.empty() && e.side == Side::none) e.program = side;
  // Older relay traces said the direction in "text".
  if (dir.empty() && e.side == Side::relay && (e.text == "up" || e.text == "down")) std::swap(dir, e.text);
  e.direction = dir == "up" ? Direction::up : dir == "down" ? Direction::down : Direction::none;
  if (!extra.empty()) e.extra = extra + "}";
  if (!facts.empty()) {
    e.facts = std::string(facts);
    // Older demos wrote a datagram's flags inside facts.
    if (e.moves_bytes() && facts.front() == '{') {
      LineParser(facts).object([&](const std::string& key, const LineParser::Value& v) {
        if (key == "datagram" && v.kind == 't') e.datagram = true;
        if (key == "truncated" && v.kind == 't') e.truncated = true;
        if (key == "full_size" && v.kind == 'n' && !e.full_size) e.full_size = number_of<std::uint64_t>(key, v);
      });
    }
  }
  if (bytes && e.moves_bytes() && *bytes != e.bytes())
    throw std::invalid_argument("\"bytes\" does not match the length of \"data\"");
  return e;
}

void TraceLineReader::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    std::string_view part = bytes.substr(0, nl);
    if (pending_.size() + part.size() > kMaxTraceLine)
      throw TraceFormatError(line_ + complete_.size() + 1,
                             "longer than " + std::to_string(kMaxTraceLine >> 20) + " MiB: not a trace line");
    pending_.append(part);
    if (nl == std::string_view::npos) break;
    complete_.push_back(std::move(pending_));
    pending_.clear();
    bytes.remove_prefix(nl + 1);
  }
}

std::vector<TraceEvent> TraceLineReader::take() {
  std::vector<TraceEvent> events;
  events.reserve(complete_.size());
  std::size_t used = 0;
  try {
    for (const auto& line : complete_) {
      ++line_;
      ++used;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      events.push_back(parse_event(line));
    }
  } catch (const std::exception& error) {
    // Whatever a line's bytes make a parser throw, the caller sees one error type with the line.
    complete_.erase(complete_.begin(), complete_.begin() + static_cast<std::ptrdiff_t>(used));
    throw TraceFormatError(line_, error.what());
  }
  complete_.clear();
  return events;
}

std::vector<TraceEvent> read_trace(std::istream& in) {
  TraceLineReader reader;
  std::vector<TraceEvent> events;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    reader.feed(std::string_view(chunk, static_cast<std::size_t>(in.gcount())));
    for (auto& e : reader.take()) events.push_back(std::move(e));
  }
  reader.feed("\n");  // a last line without its newline
  for (auto& e : reader.take()) events.push_back(std::move(e));
  return events;
}

Trace::Listener json_lines_writer(std::ostream& out) {
  return [&out](const TraceEvent& e) { out << to_json_line(e) << '\n' << std::flush; };
}

}  // namespace sticky
