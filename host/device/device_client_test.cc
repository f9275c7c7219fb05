// DeviceClient over a TEST FAKE link that answers as an agent would, with
// frames lost or repeated on the way: a chain that is not what the report
// says was sent is a DeviceError (an infrastructure error), never a shorter
// or longer chain; a log that is not is counted, never hidden.

#include "device_client.h"

#include <catch2/catch.hpp>
#include <deque>

#include "shakedown/protocol/tlv.h"

namespace {

using namespace shakedown;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using protocol::MessageType;
using protocol::TlvWriter;

// What the fake device does with a kConnect.
struct ConnectScript {
  int peers = 2;                   // certificates it sends, depths 0..peers-1
  std::vector<int> peers_arriving  // the depths that reach the host, in order
      = {1, 0};
  uint32_t log_lines = 5;        // log frames it sends
  uint32_t log_arriving = 5;     // of which reach the host
  bool counts_in_report = true;  // false: an agent that predates the counts
};

// TEST FAKE of a Link with an agent behind it: each request gets its reply
// (an ack, or for kConnect the scripted frames and a report).
class FakeAgentLink final : public links::Link {
 public:
  explicit FakeAgentLink(ConnectScript script) : script_(std::move(script)) {}

  links::LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds) override {
    if (out_.empty()) return {links::LinkRead::Status::kTimedOut, 0};
    const size_t n = std::min(out.size(), out_.size());
    std::copy_n(out_.begin(), n, out.begin());
    out_.erase(out_.begin(), out_.begin() + static_cast<long>(n));
    return {links::LinkRead::Status::kData, n};
  }
  bool write(std::span<const uint8_t> data, std::chrono::milliseconds) override {
    for (uint8_t b : data) {
      if (!decoder_.feed(b)) continue;
      const uint16_t seq = decoder_.frame().seq;
      if (static_cast<MessageType>(decoder_.frame().type) == MessageType::kConnect) {
        answer_connect(seq);
      } else {
        send(MessageType::kAck, seq, [](TlvWriter& w) { w.put_i32(protocol::ack_tag::kStatus, 0); });
      }
    }
    return true;
  }
  std::string describe() const override { return "fake agent"; }

 private:
  template <typename Fill>
  void send(MessageType type, uint16_t seq, Fill fill) {
    std::array<uint8_t, protocol::kMaxPayload> payload{};
    TlvWriter w(payload);
    fill(w);
    std::array<uint8_t, protocol::kMaxEncodedFrame> frame{};
    const size_t n = protocol::encode_frame(static_cast<uint8_t>(type), seq, w.bytes(), frame);
    out_.insert(out_.end(), frame.begin(), frame.begin() + static_cast<long>(n));
  }

  void answer_connect(uint16_t seq) {
    for (uint32_t i = 0; i < script_.log_arriving; ++i) {
      send(MessageType::kLog, seq, [&](TlvWriter& w) { w.put_str(protocol::log_tag::kText, "line"); });
    }
    for (int depth : script_.peers_arriving) {
      send(MessageType::kPeerCertificate, seq, [&](TlvWriter& w) {
        w.put_u8(protocol::peer_tag::kDepth, static_cast<uint8_t>(depth));
        w.put_str(protocol::peer_tag::kSubject, "CN=depth " + std::to_string(depth));
      });
    }
    send(MessageType::kReport, seq, [&](TlvWriter& w) {
      using namespace protocol::report_tag;
      w.put_u8(kStage, static_cast<uint8_t>(tls::Stage::kDone));
      w.put_i32(kResult, 0);
      if (script_.counts_in_report) {
        w.put_u8(kPeerCertificates, static_cast<uint8_t>(script_.peers));
        w.put_u32(kLogLines, script_.log_lines);
      }
    });
  }

  ConnectScript script_;
  protocol::FrameDecoder decoder_;
  std::deque<uint8_t> out_;
};

device::ClientReport connect(ConnectScript script, std::vector<std::string>* log_out = nullptr) {
  FakeAgentLink link(std::move(script));
  device::DeviceClient client(link);
  std::vector<std::string> log;
  auto report = client.connect("127.0.0.1", 4433, 2s, log);
  if (log_out != nullptr) *log_out = log;
  return report;
}

}  // namespace

TEST_CASE("a chain that arrives as the report counts it is the report's, leaf first") {
  const auto report = connect({});
  REQUIRE(report.peer_chain.size() == 2);
  CHECK(report.peer_chain[0].subject == "CN=depth 0");
  CHECK(report.peer_certificates_sent == 2u);
  CHECK_FALSE(report.log_incomplete());
}

TEST_CASE("a peer-certificate frame lost on the link is an infrastructure error, not a shorter chain") {
  CHECK_THROWS_AS(connect({.peers_arriving = {1}}), device::DeviceError);
  CHECK_THROWS_WITH(connect({.peers_arriving = {1}}), Contains("the device sent 2 peer certificates, 1 arrived"));
}

TEST_CASE("a peer-certificate frame repeated on the link is an infrastructure error, not a longer chain") {
  CHECK_THROWS_WITH(connect({.peers_arriving = {1, 0, 0}}), Contains("2 peer certificates, 3 arrived"));
  // One lost and another repeated: the count matches, the depths do not.
  CHECK_THROWS_WITH(connect({.peers_arriving = {1, 1}}), Contains("a depth repeated"));
}

TEST_CASE("log lines lost or repeated on the link are counted against the device's count") {
  std::vector<std::string> log;
  const auto short_log = connect({.log_lines = 7, .log_arriving = 5}, &log);
  CHECK(log.size() == 5);
  CHECK(short_log.log_incomplete());
  CHECK(short_log.log_lines_sent == 7u);
  CHECK(short_log.log_lines_received == 5);
  CHECK(connect({.log_lines = 4, .log_arriving = 5}).log_incomplete());
}

TEST_CASE("an agent that predates the counts is taken at its word") {
  const auto report = connect({.peers_arriving = {0}, .counts_in_report = false});
  CHECK(report.peer_chain.size() == 1);
  CHECK_FALSE(report.peer_certificates_sent);
  CHECK_FALSE(report.log_incomplete());
}
