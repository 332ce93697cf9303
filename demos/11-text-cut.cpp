// 11 — a recv() boundary knows nothing about characters: text cut inside a character.
//
// The server answers with text: 1,023 bytes of ASCII, then 执行成功 ("it worked") — four
// characters, 12 bytes in UTF-8, 8 in GBK (what a Chinese Windows command prompt prints).
// The answer is framed as in demo 05: a 4-byte length header and the body in one write.
// The client reads the body with recv(1024), so the first piece ends one byte into 执.
//   naive:        decodes each piece as it comes (Python: data.decode()). The first piece
//                 is not valid text: "UnicodeDecodeError" at byte 1023. In GBK the next
//                 piece, which starts in the middle of 执, even decodes to wrong characters.
//   framed:       reads the whole message by its length header, then decodes: intact.
//   incremental:  decodes each piece but keeps the bytes of an unfinished character for
//                 the next one (Python: codecs.getincrementaldecoder): intact as it streams.
// Role both runs the three readers in the chosen --encoding, then again in the other one.
#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/demo.hpp"
#include "harness/text_codec.hpp"
#include "sticky/bytes.hpp"
#include "speak/narrator.hpp"
#include "sticky/codec.hpp"
#include "sticky/error.hpp"
#include "speak/command_line.hpp"

namespace {

using namespace std::chrono_literals;
using harness::decode_text;
using harness::Decoded;
using harness::encode;
using harness::IncrementalDecoder;
using harness::TextError;
using speak::tr;

constexpr std::size_t kRecv = 1024;        // the classic client's recv(1024)
constexpr std::size_t kAscii = kRecv - 1;  // ASCII bytes before 执: the first piece ends inside it
constexpr std::string_view kWorked = "执行成功\n";
constexpr std::string_view kLorem =
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. ";
const char* const kReaders[] = {"naive", "framed", "incremental"};

std::string last_line(const std::string& text) {
  std::string_view t = text;
  if (t.ends_with('\n')) t.remove_suffix(1);
  auto nl = t.rfind('\n');
  return std::string(nl == t.npos ? t : t.substr(nl + 1));
}

// ------------------------------------------------------------------------------- the scenario

struct ReaderResult {
  bool ok = false;                         // framed, incremental: the text is what the server meant
  std::size_t length = 0;                  // the body's length, from the header
  std::vector<std::size_t> pieces;         // recv sizes of the body
  std::optional<std::size_t> failed_at;    // naive: first failure, position within its piece
  std::size_t failed_piece = 0;            // naive: 1-based index of that piece
  std::string error;                       // naive: Python's message for it
  std::string second_piece_text;           // naive: what piece 2 decoded to before any error
  std::optional<std::size_t> second_piece_failed_at;
  std::size_t tail_kept = 0;               // incremental: bytes held over after piece 1
  std::string text;
};

struct Outcome {
  std::string encoding;
  std::map<std::string, ReaderResult> readers;
};

class TextCut : public harness::StreamScenario {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("--encoding", encoding_, "the text's encoding on the wire (gbk: as a Chinese Windows prompt prints)")
        ->check(CLI::IsMember({"utf-8", "gbk"}))
        ->capture_default_str();
    app.add_option("--reader", reader_, "role client: how it decodes the answer; all: each on its own connection")
        ->check(CLI::IsMember({"naive", "framed", "incremental", "all"}))
        ->capture_default_str();
    app.add_flag("--python-i", python_i_, "header as Python's struct.pack('i'): 4 bytes, little endian, signed");
  }

  // One answer per connection: header and body in one write, then close.
  void serve(harness::Demo&, harness::Conn& conn) override {
    sticky::LengthCodec codec(header_options());
    conn.send(codec.encode(answer(server_encoding_.empty() ? encoding_ : server_encoding_)));
  }

  // Against any server that sends the framed answer: ours, or lessons/python/11-server-text.py.
  void client(harness::Demo& demo, const sticky::Address& server) override {
    Outcome outcome = read_all(demo, server, encoding_, true, reader_);
    demo.result(observed(outcome), facts_of(outcome), summary(outcome));
  }

  void both(harness::Demo& demo) override {
    const std::string other = encoding_ == "utf-8" ? "gbk" : "utf-8";
    const std::size_t utf8_bytes = encode(kWorked, "utf-8").size() - 1;  // without the newline
    const std::size_t gbk_bytes = encode(kWorked, "gbk").size() - 1;
    demo.step(tr("The answer: {} bytes of ASCII, then 执行成功 in {}, framed as in demo 05", kAscii, encoding_));
    demo.say(tr("执行成功 is 4 characters: {} bytes in UTF-8, {} in GBK. The client reads the body with "
                "recv({}),", utf8_bytes, gbk_bytes, kRecv));
    demo.say(tr("so the first piece ends after byte {}: the first byte of 执.", kAscii));
    Outcome mine = run_readers(demo, encoding_, true);

    demo.step(tr("Part D: the same three readers, the answer in {}", other));
    demo.narrate_io(false);
    Outcome theirs = run_readers(demo, other, false);
    demo.narrate_io(true);
    const ReaderResult& naive = theirs.readers.at("naive");
    // The label and the indent under it line up in either language.
    speak::Text label = tr("decode each recv:");
    auto under = [&](const speak::Text& text) {
      return speak::plus(speak::Text{std::string(21, ' '), std::string(speak::display_width(label.local) + 1, ' ')},
                           text);
    };
    demo.say(speak::plus(speak::Text{fmt::format("{:<20} ", label.english), label.local + " "},
                           speak::same(naive.error)));
    if (other == "gbk") {
      demo.say(under(tr("the second piece starts with the second byte of 执 and reads \"{}\" before failing:",
                        naive.second_piece_text)));
      demo.say(under(tr("wrong characters (乱码). In UTF-8 a byte inside a character never looks like a start.")));
    } else {
      demo.say(under(tr("the second piece fails at its first byte, 0x89, which cannot start a character:")));
      demo.say(under(tr("UTF-8 never mistakes the middle of a character for a start (GBK does: 乱码).")));
    }
    demo.say(tr("decode after framing: {}; incremental decoder: {}",
                theirs.readers.at("framed").ok ? tr("intact") : tr("BROKEN"),
                theirs.readers.at("incremental").ok ? tr("intact") : tr("BROKEN")));

    nlohmann::json facts = facts_of(mine);
    facts[mine.encoding] = facts_of(mine);
    facts[theirs.encoding] = facts_of(theirs);
    facts["utf8_bytes"] = utf8_bytes;
    facts["gbk_bytes"] = gbk_bytes;
    demo.result(observed(mine) && observed(theirs), facts, speak::join({summary(mine), summary(theirs)}, tr("; ")));
  }

 private:
  sticky::LengthOptions header_options() const {
    return python_i_ ? sticky::LengthOptions::python_i() : sticky::LengthOptions{};
  }

  // 1,022 bytes of lorem ipsum and a newline, then 执行成功 and a newline, in `encoding`.
  static std::string answer(std::string_view encoding) {
    std::string ascii;
    while (ascii.size() < kAscii) ascii += kLorem;
    ascii.resize(kAscii - 1);
    return ascii + '\n' + encode(kWorked, encoding);
  }

  // Role both: a server of ours answering in `encoding`, and each reader against it.
  Outcome run_readers(harness::Demo& demo, const std::string& encoding, bool narrate) {
    server_encoding_ = encoding;  // read by the server thread, which starts after this line
    Outcome outcome;
    demo.with_local_server(*this, [&](const sticky::Address& server) {
      outcome = read_all(demo, server, encoding, narrate);
    });
    return outcome;
  }

  // Each reader on its own connection: all three, or the one --reader names (role client).
  Outcome read_all(harness::Demo& demo, const sticky::Address& server, const std::string& encoding, bool narrate,
                   const std::string& only = "all") {
    Outcome outcome;
    outcome.encoding = encoding;
    for (const char* reader : kReaders) {
      if (only != "all" && only != reader) continue;
      if (narrate) demo.step(step_title(reader));
      auto conn = demo.connect(server);
      outcome.readers[reader] = read_answer(demo, conn, reader, encoding, narrate);
    }
    return outcome;
  }

  static speak::Text step_title(std::string_view reader) {
    if (reader == "naive") return tr("Part A: decode each recv(1024) as it comes (Python: data.decode())");
    if (reader == "framed") return tr("Part B: read the whole message by its length, then decode");
    return tr("Part C: an incremental decoder keeps an unfinished character for the next piece");
  }

  // The 4-byte header, checked (negative, oversize) before anything is allocated.
  std::size_t read_header(harness::Conn& conn) const {
    sticky::LengthCodec codec(header_options());
    std::string header = conn.recv_exact(codec.header_size(), 5000ms);
    if (header.size() < codec.header_size())
      throw sticky::FrameError(0, tr("server closed inside a header ({} of {} bytes)", header.size(),
                                     codec.header_size())
                                      .english);
    std::size_t scanned = 0;
    codec.find_frame(header, 0, scanned);  // throws on a negative or oversize length
    return static_cast<std::size_t>(codec.read_signed_field(header) + codec.options().adjust);
  }

  // Reads late, like demo 01's server: waits until all `n` bytes are in the receive buffer
  // (with SO_RCVLOWAT, poll() reports readable only once that many are queued), so the pieces
  // are cut at 1024, 2048, … however the network delivered them: the same cut every run.
  static void wait_for(harness::Conn& conn, std::size_t n) {
    int low = static_cast<int>(std::clamp<std::size_t>(n, 1, 1 << 20));
    ::setsockopt(conn.fd(), SOL_SOCKET, SO_RCVLOWAT, &low, sizeof low);
    sticky::wait_readable(conn.fd(), 5000ms);
    int one = 1;
    ::setsockopt(conn.fd(), SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
  }

  ReaderResult read_answer(harness::Demo& demo, harness::Conn& conn, std::string_view reader,
                           const std::string& encoding, bool narrate) {
    auto say = [&](const speak::Text& text) {
      if (narrate) demo.say(text);
    };
    ReaderResult r;
    r.length = read_header(conn);
    const std::string meant = decode_text(answer(encoding), encoding, true).text;

    if (reader == "framed") {
      std::string body = conn.recv_exact(r.length, 5000ms);
      if (body.size() < r.length) throw sticky::FrameError(4, tr("server closed inside the answer").english);
      conn.frame(body);
      r.pieces.push_back(body.size());
      Decoded d = decode_text(body, encoding, true);
      r.text = d.text;
      r.ok = !d.failed_at && r.text == meant;
      say(d.failed_at ? tr("decoding the whole message failed: {}", d.error)
                      : tr("all {} bytes in hand, decoded at once; the last line reads {}", body.size(),
                           last_line(r.text)));
      return r;
    }

    wait_for(conn, r.length);
    IncrementalDecoder incremental(encoding);
    std::size_t got = 0;
    while (got < r.length) {
      // The classic client always asks recv(1024); the incremental one never reads past the frame.
      std::string piece = conn.recv(reader == "naive" ? kRecv : std::min(kRecv, r.length - got), 5000ms);
      if (piece.empty()) throw sticky::FrameError(4 + got, tr("server closed inside the answer").english);
      got += piece.size();
      r.pieces.push_back(piece.size());
      std::size_t index = r.pieces.size();
      if (reader == "incremental") {
        try {
          std::string text = incremental.decode(piece, got == r.length);
          r.text += text;
          if (index == 1) r.tail_kept = incremental.pending().size();
          say(incremental.pending().empty()
                  ? tr("piece {}: {} bytes -> {} decoded", index, piece.size(), speak::preview(text, 30))
                  : tr("piece {}: {} bytes -> {} decoded; {} kept for the next piece", index, piece.size(),
                       speak::preview(text, 30), sticky::to_hex_spaced(incremental.pending())));
        } catch (const TextError& e) {
          say(tr("piece {}: UnicodeDecodeError: {}", index, e.what()));
          return r;  // not ok
        }
        continue;
      }
      // The mistake: each piece decoded as if it were whole text.
      Decoded d = decode_text(piece, encoding, true);
      if (index == 2) {
        r.second_piece_text = d.text;
        r.second_piece_failed_at = d.failed_at;
      }
      r.text += d.text;
      if (!d.failed_at) {
        say(tr("piece {}: {} bytes decoded", index, piece.size()));
        continue;
      }
      say(tr("piece {}: UnicodeDecodeError: {}", index, d.error));
      auto indented = [](const speak::Text& t) { return speak::plus(speak::same(std::string(9, ' ')), t); };
      if (d.unfinished)
        say(indented(tr("it ends with {}: a character begun, its other bytes in the next piece",
                        sticky::to_hex_spaced(std::string_view(piece).substr(*d.failed_at)))));
      else if (!d.text.empty())
        say(indented(tr("before failing it decoded {}: characters nobody sent", speak::preview(d.text, 40))));
      if (!r.failed_at) {
        r.failed_at = d.failed_at;
        r.failed_piece = index;
        r.error = d.error;
      }
    }
    if (reader == "incremental") {
      r.ok = r.text == meant;
      if (r.ok) say(tr("the whole text came out intact; the last line reads {}", last_line(r.text)));
    } else if (r.failed_at) {
      say(tr("A Python client stops at the first error with a traceback; with errors='replace' it prints garbage."));
    } else {
      say(tr("every piece decoded: no recv() boundary fell inside a character this time"));
    }
    return r;
  }

  static bool observed(const Outcome& o) {
    bool ok = !o.readers.empty();
    for (const auto& [name, r] : o.readers) ok = ok && (name == "naive" ? r.failed_at.has_value() : r.ok);
    return ok;
  }

  static nlohmann::json facts_of(const Outcome& o) {
    nlohmann::json f{{"encoding", o.encoding}, {"ascii_before", kAscii}, {"recv_size", kRecv}};
    for (const auto& [name, r] : o.readers) f["body_bytes"] = r.length;
    if (auto it = o.readers.find("naive"); it != o.readers.end()) {
      const auto& n = it->second;
      f["naive_pieces"] = n.pieces;
      f["naive_decode_failed"] = n.failed_at.has_value();
      if (n.failed_at) {
        f["failed_at_offset"] = *n.failed_at;
        f["failed_in_piece"] = n.failed_piece;
        f["naive_error"] = n.error;
      }
      f["second_piece_decoded"] = n.second_piece_text;
      if (n.second_piece_failed_at) f["second_piece_failed_at"] = *n.second_piece_failed_at;
    }
    if (auto it = o.readers.find("framed"); it != o.readers.end()) {
      f["framed_decode_ok"] = it->second.ok;
      f["framed_last_line"] = last_line(it->second.text);
    }
    if (auto it = o.readers.find("incremental"); it != o.readers.end()) {
      f["incremental_decode_ok"] = it->second.ok;
      f["incremental_pieces"] = it->second.pieces;
      f["incremental_tail_kept"] = it->second.tail_kept;
    }
    return f;
  }

  static speak::Text summary(const Outcome& o) {
    std::vector<speak::Text> parts;
    for (std::string name : kReaders) {
      if (!o.readers.count(name)) continue;
      const ReaderResult& r = o.readers.at(name);
      if (name == "naive")
        parts.push_back(r.failed_at ? tr("decoding each recv failed at byte {0} of piece {1}", *r.failed_at,
                                         r.failed_piece)
                                    : tr("decoding each recv did not fail"));
      else if (name == "framed")
        parts.push_back(r.ok ? tr("decode after framing intact") : tr("decode after framing BROKEN"));
      else
        parts.push_back(r.ok ? tr("incremental decoder intact") : tr("incremental decoder BROKEN"));
    }
    return tr("{}: {}", o.encoding, speak::join(parts, tr(", ")));
  }

  std::string encoding_ = "utf-8";
  std::string reader_ = "all";
  bool python_i_ = false;
  std::string server_encoding_;  // role both: set before each local server starts
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(11, "text-cut", "A recv() boundary inside a character: decode after framing, or incrementally");
  TextCut scenario;
  return demo.main(argc, argv, scenario);
}
