// 12 — on a real, shaped link: MSS-sized reads, a slow link merging sends, the fix holding.
//
// Every other demo runs on loopback, whose MTU is 65,536 bytes and whose round trip is a few
// microseconds: "it worked on localhost". Here the same conversation also runs over a real
// link made on this machine (sticky/link.hpp): two network namespaces joined by a veth pair
// of MTU 1500, each sender shaped by tbf.
// Part A, loopback: one send of 100,000 bytes comes in a few big reads; 100 small sends,
// 0.5 ms apart, come in 100 reads (the ACK is back before the next send).
// Part B, the link at 10 Mbit/s: the same 100,000 bytes come in reads of one MSS (1,448
// bytes: the MTU less 20 bytes of IP header, 20 of TCP header and 12 of timestamp option,
// each read from the kernel), or a few MSS when the reader was slower than the link.
// Part C, the link at 50 kbit/s: the 100 small sends come in far fewer reads — Nagle holds
// each small send while the one before is unacknowledged, and on a slow link the ACK takes
// milliseconds: the network merged what loopback kept apart, for a reader that never sleeps.
// With TCP_NODELAY too: while earlier packets wait in the link's queue, Linux appends each
// small send to the segment not yet sent (autocorking, net.ipv4.tcp_autocorking).
// Part D, GRO: the link unshaped, the receiving device's generic receive offload off, then
// on: TCP_INFO counts the segments that arrived, /proc/net/snmp (per namespace) the packets
// TCP took in; with GRO the receiving kernel merged segments back into bigger packets.
// Part E, demo 05's fix: a 4-byte length before every message, sent with it in one write;
// over the slow link, reads cut messages and merge them, and every message comes out whole.
//
// Role both needs root or a user namespace (sticky-link's rule); where neither can be made
// it runs part A and says what is missing. Roles server and client play the conversation
// (one big message, the small lines, the framed messages) over any network — under
// sticky-link, over the real link:
//   sticky-link -- 12-real-link --role server --host 10.0.0.1 -- 12-real-link --role client --host 10.0.0.1
#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include "harness/demo.hpp"
#include "sticky/error.hpp"
#include "sticky/link.hpp"

namespace {

using namespace std::chrono_literals;
using speak::tr;
using sticky::LinkEnd;

constexpr std::size_t kBig = 100000;
constexpr std::size_t kWant = 65536;  // recv(65536): a buffer far bigger than any segment
constexpr int kLines = 100;
constexpr std::size_t kLineBytes = 11;  // "line 001\n" and so on: 11 bytes each
constexpr auto kLineGap = 500us;
constexpr const char* kBigRate = "10mbit";
constexpr const char* kSlowRate = "50kbit";
constexpr sticky::Millis kTimeout{20000};

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

std::string line(int i) { return fmt::format("line {:03}/100", i).substr(0, kLineBytes - 1) + "\n"; }

// The framed messages of part E: small lines, one message of several segments, more lines.
std::vector<std::string> framed_messages() {
  std::vector<std::string> out;
  for (int i = 1; i <= 20; ++i) out.push_back(fmt::format("message {}", i));
  out.push_back(pattern(5000));
  for (int i = 21; i <= 40; ++i) out.push_back(fmt::format("message {}", i));
  return out;
}

// "61 reads: 48 of one MSS, 12 of 2 to 6 MSS, the last 88 bytes"-style facts.
struct Reads {
  std::vector<std::size_t> sizes;
  nlohmann::json facts(std::size_t mss) const {
    std::size_t one = 0, whole = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i] == mss) ++one;
      if (mss && sizes[i] % mss == 0) ++whole;
    }
    std::map<std::size_t, int> counts;
    for (auto s : sizes) ++counts[s];
    std::size_t most = 0;
    int most_count = 0;
    for (auto [size, n] : counts)
      if (n > most_count) most = size, most_count = n;
    return {{"recvs", sizes.size()},
            {"recv_sizes", sizes},
            {"largest", sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end())},
            {"most_common_size", most},
            {"one_mss_recvs", one},
            {"whole_segment_recvs", whole}};
  }
};

class RealLink : public harness::StreamScenario {
 public:
  // ------------------------------------------------------------ the conversation, by phase
  static Reads read_big(harness::Conn& conn) {
    Reads r;
    for (std::size_t got = 0; got < kBig;) {
      std::size_t n = conn.recv(kWant, kTimeout).size();
      if (n == 0) break;
      r.sizes.push_back(n);
      got += n;
    }
    return r;
  }
  static Reads read_lines(harness::Conn& conn) {
    Reads r;
    for (std::size_t got = 0; got < kLines * kLineBytes;) {
      std::size_t n = conn.recv(kWant, kTimeout).size();
      if (n == 0) break;
      r.sizes.push_back(n);
      got += n;
    }
    return r;
  }
  // The pace of the experiment, not a synchronisation. Spun, not slept: a loaded machine
  // wakes a sleeper late, and sends spread out by late wake-ups would keep pace with any link.
  static void pause_between_sends() {
    auto until = std::chrono::steady_clock::now() + kLineGap;
    while (std::chrono::steady_clock::now() < until) {
    }
  }
  static void send_lines(harness::Conn& conn) {
    for (int i = 1; i <= kLines; ++i) {
      conn.send(line(i));
      pause_between_sends();
    }
  }
  struct Framed {
    std::size_t messages = 0, intact = 0;
    Reads reads;
    std::size_t cut_inside = 0, several = 0;  // reads that ended inside a message; that held more than one
  };
  Framed read_framed(harness::Demo& demo, harness::Conn& conn) {
    Framed f;
    auto expected = framed_messages();
    auto before = demo.trace().events().size();
    conn.use_codec(sticky::CodecSpec{}, kTimeout);
    for (const auto& m : expected) {
      auto got = conn.read_frame();
      if (!got) break;
      ++f.messages;
      if (*got == m) ++f.intact;
    }
    // The reads the codec made, from the trace, set against the messages' ends in the stream.
    std::vector<std::size_t> ends;
    std::size_t offset = 0;
    for (const auto& m : expected) ends.push_back(offset += 4 + m.size());
    auto events = demo.trace().events();
    std::size_t at = 0;
    for (auto i = before; i < events.size(); ++i) {
      const auto& e = events[i];
      if (e.op != sticky::Op::recv || e.side != sticky::Side::server || e.conn != conn.id()) continue;
      std::size_t start = at;
      at += e.data.size();
      f.reads.sizes.push_back(e.data.size());
      auto inside = std::count_if(ends.begin(), ends.end(), [&](std::size_t end) { return end > start && end <= at; });
      if (inside > 1) ++f.several;
      if (std::find(ends.begin(), ends.end(), at) == ends.end()) ++f.cut_inside;
    }
    return f;
  }
  static void send_framed(harness::Conn& conn) {
    conn.use_codec(sticky::CodecSpec{}, kTimeout);
    for (const auto& m : framed_messages()) {
      conn.write_frame(m);
      pause_between_sends();
    }
  }

  // Role server (and the server of two terminals, or of sticky-link): the whole conversation.
  void serve(harness::Demo& demo, harness::Conn& conn) override {
    auto mss = sticky::segment_size(conn.fd());
    demo.say(tr("TCP_MAXSEG of this connection: {} bytes (MSS)", mss.maxseg));
    auto big = read_big(conn);
    demo.say(tr("100,000 bytes came in {} reads; {} of them exactly one MSS", big.sizes.size(),
                big.facts(static_cast<std::size_t>(mss.maxseg))["one_mss_recvs"].get<std::size_t>()));
    conn.send("ok");
    auto lines = read_lines(conn);
    demo.say(tr("{} lines of {} bytes came in {} reads", kLines, kLineBytes, lines.sizes.size()));
    conn.send("ok");
    auto framed = read_framed(demo, conn);
    demo.say(tr("{} of {} framed messages whole, from {} reads", framed.intact, framed_messages().size(),
                framed.reads.sizes.size()));
    conn.send("ok");
  }

  void client(harness::Demo& demo, const sticky::Address& server) override {
    auto conn = demo.connect(server);
    play_client(demo, conn);
  }

  static void play_client(harness::Demo& demo, harness::Conn& conn) {
    demo.narrate_io(false);
    conn.send(pattern(kBig));
    conn.recv_exact(2, kTimeout);
    send_lines(conn);
    conn.recv_exact(2, kTimeout);
    send_framed(conn);
    conn.recv_exact(2, kTimeout);
    demo.narrate_io(true);
  }

  // ------------------------------------------------------------------------- role both
  // One connection on `link` (or on loopback when null): server end accepted, client end connected.
  struct Pair {
    harness::Conn server, client;
  };
  static Pair connect_pair(harness::Demo& demo, sticky::Link* link) {
    sticky::Fd listener = link ? link->listen(LinkEnd::server, 0)
                               : sticky::listen_stream(sticky::Address::parse("127.0.0.1:0"));
    auto where = sticky::local_address(listener.get());
    auto client = link ? demo.adopt(link->connect(LinkEnd::client, where), sticky::Side::client)
                       : demo.connect(where);
    auto server = demo.adopt(sticky::accept_connection(listener.get()), sticky::Side::server);
    return {std::move(server), std::move(client)};
  }

  // The client sends `send`; the server reads with `read` at once, on its own thread.
  template <typename Read, typename Send>
  static auto exchange(Pair& p, Read&& read, Send&& send) {
    auto reader = std::async(std::launch::async, [&] { return read(p.server); });
    send(p.client);
    return reader.get();
  }

  nlohmann::json big_message(harness::Demo& demo, sticky::Link* link, std::size_t& mss_out,
                             nlohmann::json extra = nlohmann::json::object()) {
    auto p = connect_pair(demo, link);
    auto size = sticky::segment_size(p.client.fd());
    mss_out = static_cast<std::size_t>(size.maxseg);
    auto reads = exchange(p, read_big, [](harness::Conn& c) { c.send(pattern(kBig)); });
    auto facts = reads.facts(mss_out);
    facts["bytes"] = kBig;
    facts["want"] = kWant;
    facts["maxseg"] = size.maxseg;
    facts["snd_mss"] = size.snd_mss;
    facts["timestamps"] = size.timestamps;
    facts.update(extra);
    return facts;
  }

  nlohmann::json small_sends(harness::Demo& demo, sticky::Link* link, bool nodelay = false) {
    auto p = connect_pair(demo, link);
    sticky::set_nodelay(p.client.fd(), nodelay);
    auto before = p.client.segments().data_out;
    auto reads = exchange(p, read_lines, send_lines);
    auto facts = reads.facts(0);
    facts.erase("one_mss_recvs");
    facts.erase("whole_segment_recvs");
    facts["sends"] = kLines;
    facts["send_bytes"] = kLineBytes;
    facts["gap_us"] = kLineGap.count();
    facts["data_segments"] = p.client.segments().data_out - before;
    return facts;
  }

  // Part D: packets TCP took in (per namespace) against segments that arrived (TCP_INFO).
  nlohmann::json gro_run(harness::Demo& demo, sticky::Link& link, bool on) {
    bool set = link.set_gro(LinkEnd::server, on);
    auto snmp = link.proc_net(LinkEnd::server, "snmp");
    auto p = connect_pair(demo, &link);
    auto packets_before = sticky::read_net_counters(snmp.get()).tcp_in_segs;
    auto segments_before = sticky::receive_counts(p.server.fd()).segs_in;
    auto reads = exchange(p, read_big, [](harness::Conn& c) { c.send(pattern(kBig)); });
    auto packets = sticky::read_net_counters(snmp.get()).tcp_in_segs - packets_before;
    auto segments = sticky::receive_counts(p.server.fd()).segs_in - segments_before;
    auto state = link.gro(LinkEnd::server);
    return {{"set", set},
            {"gro", state ? nlohmann::json(*state) : nlohmann::json(nullptr)},
            {"segments", segments},
            {"packets", packets},
            {"recvs", reads.sizes.size()},
            {"recv_sizes", reads.sizes}};
  }

  void both(harness::Demo& demo) override {
    nlohmann::json facts;
    std::size_t lo_mss = 0;
    demo.step(tr("Part A: loopback, where programs are tested"));
    int lo_mtu = sticky::device_mtu(sticky::Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)).get(), "lo");
    demo.say(tr("Loopback's MTU is {} bytes, and its round trip a few microseconds.", lo_mtu));
    demo.narrate_io(false);
    auto lo_big = big_message(demo, nullptr, lo_mss);
    auto lo_lines = small_sends(demo, nullptr);
    demo.narrate_io(true);
    demo.say(tr("One send() of 100,000 bytes, read at once with recv(65536): {} reads, the largest {}. "
                "TCP_MAXSEG here is {} bytes.",
                lo_big["recvs"].get<int>(), speak::byte_count(lo_big["largest"].get<std::size_t>()), lo_mss));
    demo.say(tr("100 sends of {} bytes, 0.5 ms apart, to a reader that reads at once: {} reads, in {} data "
                "segments.",
                kLineBytes, lo_lines["recvs"].get<int>(), lo_lines["data_segments"].get<int>()));
    facts["loopback"] = {{"mtu", lo_mtu}, {"big", lo_big}, {"lines", lo_lines}};

    std::optional<sticky::Link> link;
    sticky::LinkOptions options;
    options.rate = kBigRate;
    try {
      link.emplace(options);
    } catch (const sticky::LinkUnavailable& e) {
      speak::Text why = e.root() ? tr("even root cannot make a network namespace here ({})", speak::localized(e.what()))
                                 : tr("this needs root or a user namespace, and neither is available here ({})",
                                      speak::localized(e.what()));
      demo.error(tr("No real link: {}. Parts B to E are left out; run as root, or where user namespaces are "
                    "allowed.",
                    why));
      facts["link_available"] = false;
      facts["link_unavailable"] = e.what();
      demo.result(false, facts, tr("loopback only: no network namespace could be made ({})", speak::localized(e.what())));
      return;
    } catch (const sticky::LinkSetupError& e) {
      demo.error(tr("No real link: {}", speak::localized(e.what())));
      facts["link_available"] = false;
      facts["link_unavailable"] = e.what();
      demo.result(false, facts, tr("loopback only: the link could not be set up ({})", speak::localized(e.what())));
      return;
    }
    facts["link_available"] = true;
    facts["user_namespace"] = link->in_user_namespace();

    demo.step(tr("Part B: a real link at 10 Mbit/s: 100,000 bytes in MSS-sized reads"));
    int mtu = link->mtu(LinkEnd::client);
    demo.say(tr("Two network namespaces joined by a veth pair, MTU {}; each sender shaped by tbf ({}){}.", mtu,
                link->shaping(LinkEnd::client),
                link->in_user_namespace() ? tr(", inside a user namespace") : speak::same("")));
    std::size_t mss = 0;
    auto big = big_message(demo, &*link, mss, {{"rate", kBigRate}});
    bool ts = big["timestamps"].get<bool>();
    demo.say(ts ? tr("TCP_MAXSEG on the link: {} bytes = MTU {} - 20 (IP header) - 20 (TCP header) - 12 (the "
                     "timestamp option, on in TCP_INFO). That is one MSS: the most a segment carries.",
                     mss, mtu)
                : tr("TCP_MAXSEG on the link: {} bytes = MTU {} - 20 (IP header) - 20 (TCP header). That is one "
                     "MSS: the most a segment carries.",
                     mss, mtu));
    demo.say(tr("The same send() of 100,000 bytes, the same recv(65536): {} reads; {} of exactly one MSS, {} of "
                "whole MSS; the largest {}.",
                big["recvs"].get<int>(), big["one_mss_recvs"].get<int>(), big["whole_segment_recvs"].get<int>(),
                speak::byte_count(big["largest"].get<std::size_t>())));
    demo.say(tr("The reads follow the segments, not the send: the reader takes each segment as it arrives, and "
                "gets several only when it was slower than the link."));
    facts["link"] = {{"mtu", mtu}, {"big", big}};

    demo.step(tr("Part C: the link at 50 kbit/s: small sends merged"));
    link->shape(LinkEnd::client, kSlowRate);
    link->shape(LinkEnd::server, kSlowRate);
    demo.narrate_io(false);
    auto slow = small_sends(demo, &*link);
    auto slow_nodelay = small_sends(demo, &*link, true);
    demo.narrate_io(true);
    slow["rate"] = kSlowRate;
    slow["nodelay"] = {{"recvs", slow_nodelay["recvs"]},
                       {"recv_sizes", slow_nodelay["recv_sizes"]},
                       {"data_segments", slow_nodelay["data_segments"]}};
    demo.say(tr("The same 100 sends of {} bytes, 0.5 ms apart, the reader reading at once: {} reads (loopback: "
                "{}), in {} data segments.",
                kLineBytes, slow["recvs"].get<int>(), lo_lines["recvs"].get<int>(), slow["data_segments"].get<int>()));
    demo.say(tr("Nagle's algorithm holds a small send while the one before is unacknowledged. On loopback the "
                "ACK is back before the next send; on a slow link it takes milliseconds, so the sends pile up "
                "and leave together. The network merged what loopback kept apart."));
    demo.say(tr("With TCP_NODELAY: {} reads, {} data segments. Nagle is off, but while earlier packets still wait "
                "in the slow link's queue Linux adds each new small send to the segment not yet sent "
                "(autocorking): they leave together all the same.",
                slow_nodelay["recvs"].get<int>(), slow_nodelay["data_segments"].get<int>()));
    facts["link"]["lines"] = slow;

    demo.step(tr("Part D: GRO, the receiver's kernel merging segments back"));
    link->shape(LinkEnd::client, "");
    link->shape(LinkEnd::server, "");
    demo.say(tr("The link unshaped, 100,000 bytes again. TCP_INFO counts the segments that arrived; the "
                "namespace's /proc/net/snmp counts the packets TCP took in."));
    demo.narrate_io(false);
    auto gro_off = gro_run(demo, *link, false);
    auto gro_on = gro_run(demo, *link, true);
    demo.narrate_io(true);
    bool gro_supported = gro_on["set"].get<bool>() && gro_on["gro"] == true;
    demo.say(tr("GRO off: {} segments arrived, TCP took in {} packets.", gro_off["segments"].get<int>(),
                gro_off["packets"].get<int>()));
    if (gro_supported) {
      demo.say(tr("GRO on: {} segments arrived, TCP took in {} packets: the receiving kernel merged segments back "
                  "before TCP saw them, one more reason reads never show what was sent.",
                  gro_on["segments"].get<int>(), gro_on["packets"].get<int>()));
    } else {
      demo.say(tr("This kernel's veth does not take GRO on (the ethtool request was refused): nothing to compare."));
    }
    facts["link"]["gro"] = {{"supported", gro_supported}, {"off", gro_off}, {"on", gro_on}};

    demo.step(tr("Part E: demo 05's fix on the slow link: a length before every message"));
    link->shape(LinkEnd::client, kSlowRate);
    link->shape(LinkEnd::server, kSlowRate);
    demo.say(tr("41 messages, each with a 4-byte length sent in the same write: 40 short ones and one of 5,000 "
                "bytes, 0.5 ms apart."));
    demo.narrate_io(false);
    auto p = connect_pair(demo, &*link);
    auto framed = exchange(p, [&](harness::Conn& c) { return read_framed(demo, c); }, send_framed);
    demo.narrate_io(true);
    demo.say(tr("{} reads: {} ended inside a message, {} held more than one. The decoder gave back {} of {} "
                "messages, every one whole.",
                framed.reads.sizes.size(), framed.cut_inside, framed.several, framed.intact, framed.messages));
    facts["link"]["framed"] = {{"rate", kSlowRate},
                               {"messages", framed_messages().size()},
                               {"frames", framed.messages},
                               {"intact", framed.intact},
                               {"recvs", framed.reads.sizes.size()},
                               {"recv_sizes", framed.reads.sizes},
                               {"recvs_cut_inside_a_message", framed.cut_inside},
                               {"recvs_holding_several", framed.several}};

    bool mss_reads = big["most_common_size"].get<std::size_t>() == mss && mss < lo_mss;
    bool merged = slow["recvs"].get<int>() < lo_lines["recvs"].get<int>();
    bool fix = framed.intact == framed_messages().size();
    demo.result(mss_reads && merged && fix, facts,
                tr("link MSS {} (loopback {}): 100,000 bytes in {} reads, {} of one MSS; 100 small sends in {} "
                   "reads on the slow link, {} on loopback; GRO {}; {} of {} framed messages whole",
                   mss, lo_mss, big["recvs"].get<int>(), big["one_mss_recvs"].get<int>(), slow["recvs"].get<int>(),
                   lo_lines["recvs"].get<int>(),
                   gro_supported ? tr("{} segments into {} packets", gro_on["segments"].get<int>(),
                                      gro_on["packets"].get<int>())
                                 : tr("not available"),
                   framed.intact, framed_messages().size()));
  }
};

}  // namespace

int main(int argc, char** argv) {
  harness::Demo demo(12, "real-link", "On a real, shaped link: MSS-sized reads, a slow link merging sends, the fix");
  RealLink scenario;
  return demo.main(argc, argv, scenario);
}
