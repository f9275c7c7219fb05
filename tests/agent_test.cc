// The agent through a test fake of its Console: what a host sends, byte for
// byte, including garbage and broken frames, and what the agent answers.
// Handshakes go to the real test server over real sockets.

#include <catch2/catch.hpp>
#include <deque>
#include <string>

#include "getrandom_entropy.h"
#include "posix_clock.h"
#include "posix_transport.h"
#include "shakedown/agent/agent.h"
#include "shakedown/protocol/tlv.h"
#include "test_server.h"
#include "test_support.h"

namespace {

using namespace shakedown;
using protocol::MessageType;
using protocol::TlvReader;
using protocol::TlvWriter;

// Test fake: bytes the host "sent" wait in a queue; what the agent writes is
// decoded back into frames.
class FakeConsole final : public agent::Console {
 public:
  core::IoResult read(std::span<uint8_t> out, uint32_t) override {
    if (input.empty()) return core::IoResult::failed(closed ? core::IoStatus::kClosed : core::IoStatus::kTimedOut);
    size_t n = std::min(out.size(), input.size());
    std::copy_n(input.begin(), n, out.begin());
    input.erase(input.begin(), input.begin() + static_cast<long>(n));
    return core::IoResult::moved(n);
  }
  bool write(std::span<const uint8_t> data) override {
    for (uint8_t b : data) {
      if (decoder.feed(b)) {
        const auto& f = decoder.frame();
        frames.push_back({f.type, f.seq, {f.payload.begin(), f.payload.end()}});
      }
    }
    return true;
  }
  struct Received {
    uint8_t type;
    uint16_t seq;
    std::vector<uint8_t> payload;
  };
  std::deque<uint8_t> input;
  bool closed = false;
  protocol::FrameDecoder decoder;
  std::vector<Received> frames;
};

struct AgentUnderTest {
  FakeConsole console;
  sim::PosixTransport transport;
  sim::PosixClock clock;
  sim::GetrandomEntropy entropy;
  std::vector<uint8_t> arena = std::vector<uint8_t>(512 * 1024);
  core::Heap heap{arena};
  std::array<uint8_t, 4096> ca{};
  std::array<uint8_t, 1024> cert{};
  std::array<uint8_t, 1024> key{};
  agent::Agent agent{console, transport, clock, entropy, heap, {"test", "test-build", "getrandom"}, {ca, cert, key}};
  uint16_t seq = 100;

  void send_raw(std::span<const uint8_t> bytes) {
    console.input.insert(console.input.end(), bytes.begin(), bytes.end());
  }

  uint16_t send(MessageType type, std::span<const uint8_t> payload) {
    std::array<uint8_t, protocol::kMaxEncodedFrame> frame{};
    size_t n = protocol::encode_frame(static_cast<uint8_t>(type), ++seq, payload, frame);
    send_raw({frame.data(), n});
    return seq;
  }

  // Runs the agent until it has answered request `id`; returns the reply.
  FakeConsole::Received reply_to(uint16_t id) {
    for (int i = 0; i < 1000; ++i) {
      for (const auto& f : console.frames) {
        if (f.seq == id && f.type != static_cast<uint8_t>(MessageType::kLog) &&
            f.type != static_cast<uint8_t>(MessageType::kPeerCertificate)) {
          return f;
        }
      }
      agent.poll(1);
    }
    FAIL("no reply to request " << id);
    return {};
  }

  FakeConsole::Received request(MessageType type, std::span<const uint8_t> payload = {}) {
    return reply_to(send(type, payload));
  }

  // One blob request: `data` at `offset` of a blob of `total` bytes.
  FakeConsole::Received blob(protocol::BlobKind kind, uint32_t offset, uint32_t total, std::span<const uint8_t> data) {
    std::vector<uint8_t> buf(1024);
    TlvWriter w(buf);
    w.put_u8(protocol::blob_tag::kKind, static_cast<uint8_t>(kind));
    w.put_u32(protocol::blob_tag::kOffset, offset);
    w.put_u32(protocol::blob_tag::kTotal, total);
    w.put_bytes(protocol::blob_tag::kData, data);
    buf.resize(w.size());
    return request(MessageType::kBlob, buf);
  }

  // Uploads `bytes` in blocks of 500, up to `end` (default: all); returns
  // the last reply.
  FakeConsole::Received upload(protocol::BlobKind kind, std::span<const uint8_t> bytes, size_t end = SIZE_MAX) {
    FakeConsole::Received last{};
    for (size_t offset = 0; offset < std::min(end, bytes.size()); offset += 500) {
      last = blob(kind, static_cast<uint32_t>(offset), static_cast<uint32_t>(bytes.size()),
                  bytes.subspan(offset, std::min<size_t>(500, bytes.size() - offset)));
      if (last.type != static_cast<uint8_t>(MessageType::kAck)) break;
    }
    return last;
  }

  FakeConsole::Received connect(uint16_t port) {
    std::vector<uint8_t> payload(64);
    TlvWriter w(payload);
    w.put_str(protocol::connect_tag::kAddress, "127.0.0.1");
    w.put_u16(protocol::connect_tag::kPort, port);
    payload.resize(w.size());
    return request(MessageType::kConnect, payload);
  }
};

uint32_t u32_tag(std::span<const uint8_t> payload, uint8_t tag) {
  TlvReader r(payload);
  uint32_t v = 0;
  while (r.next()) {
    if (r.tag() == tag) r.get_u32(v);
  }
  return v;
}

uint8_t error_code(const FakeConsole::Received& f) {
  REQUIRE(f.type == static_cast<uint8_t>(MessageType::kError));
  TlvReader r(f.payload);
  uint8_t code = 0;
  while (r.next()) {
    if (r.tag() == protocol::error_tag::kCode) r.get_u8(code);
  }
  return code;
}

std::vector<uint8_t> sync_payload(uint32_t nonce) {
  std::vector<uint8_t> buf(16);
  TlvWriter w(buf);
  w.put_u32(protocol::sync_tag::kNonce, nonce);
  buf.resize(w.size());
  return buf;
}

}  // namespace

TEST_CASE("the agent answers sync with its banner even after a bootloader's chatter", "[field-fixed]") {
  AgentUnderTest t;
  const std::string chatter = "U-Boot 2024.01\r\nbooting...\r\n\x01\x02garbage";
  t.send_raw({reinterpret_cast<const uint8_t*>(chatter.data()), chatter.size()});
  auto banner = t.request(MessageType::kSync, sync_payload(0xC0FFEE));
  REQUIRE(banner.type == static_cast<uint8_t>(MessageType::kBanner));
  CHECK(u32_tag(banner.payload, protocol::banner_tag::kNonce) == 0xC0FFEE);
  CHECK(u32_tag(banner.payload, protocol::banner_tag::kHeapCapacity) == 512 * 1024);
  CHECK(t.agent.decoder_stats().malformed <= 1);
}

TEST_CASE("unknown requests and broken payloads get error frames, and the agent keeps going", "[field-fixed]") {
  AgentUnderTest t;
  CHECK(error_code(t.request(static_cast<MessageType>(0x42))) ==
        static_cast<uint8_t>(protocol::ErrorCode::kUnknownType));
  const uint8_t truncated_tlv[] = {protocol::client_option::read_timeout_ms.tag, 4, 0, 1};
  CHECK(error_code(t.request(MessageType::kConfigure, truncated_tlv)) ==
        static_cast<uint8_t>(protocol::ErrorCode::kBadPayload));
  const uint8_t wrong_width[] = {protocol::client_option::read_timeout_ms.tag, 1, 0, 5};
  CHECK(error_code(t.request(MessageType::kConfigure, wrong_width)) ==
        static_cast<uint8_t>(protocol::ErrorCode::kBadPayload));
  std::vector<uint8_t> too_long(80);
  TlvWriter lw(too_long);
  lw.put_bytes(protocol::client_option::first_request.tag, std::vector<uint8_t>(65, 'x'));
  too_long.resize(lw.size());
  CHECK(error_code(t.request(MessageType::kConfigure, too_long)) ==
        static_cast<uint8_t>(protocol::ErrorCode::kBadPayload));
  // Out of its row's bounds in client_options.def: auth_mode 0..2, a fragment length Mbed TLS can ask for.
  const uint8_t auth_mode_3[] = {protocol::client_option::auth_mode.tag, 1, 0, 3};
  CHECK(error_code(t.request(MessageType::kConfigure, auth_mode_3)) ==
        static_cast<uint8_t>(protocol::ErrorCode::kBadPayload));
  const uint8_t fragment_1000[] = {protocol::client_option::max_fragment_length.tag, 2, 0, 0xe8, 0x03};
  CHECK(error_code(t.request(MessageType::kConfigure, fragment_1000)) ==
        static_cast<uint8_t>(protocol::ErrorCode::kBadPayload));
  // A pre-shared key of 1..64 bytes, with an identity of 1..128.
  auto psk = [&](size_t identity_size, size_t key_size) {
    std::vector<uint8_t> buf(300);
    TlvWriter pw(buf);
    pw.put_str(protocol::client_option::psk.tag, std::string(identity_size, 'i'));
    pw.put_bytes(protocol::client_option::psk.last_tag, std::vector<uint8_t>(key_size, 0x5a));
    buf.resize(pw.size());
    return t.request(MessageType::kConfigure, buf);
  };
  CHECK(psk(128, 64).type == static_cast<uint8_t>(MessageType::kAck));
  CHECK(error_code(psk(8, 65)) == static_cast<uint8_t>(protocol::ErrorCode::kBadPayload));
  CHECK(error_code(psk(129, 16)) == static_cast<uint8_t>(protocol::ErrorCode::kBadPayload));
  CHECK(error_code(psk(0, 16)) == static_cast<uint8_t>(protocol::ErrorCode::kBadPayload));
  const uint8_t fragment_1024[] = {protocol::client_option::max_fragment_length.tag, 2, 0, 0x00, 0x04};
  CHECK(t.request(MessageType::kConfigure, fragment_1024).type == static_cast<uint8_t>(MessageType::kAck));
  CHECK(t.request(MessageType::kSync, sync_payload(7)).type == static_cast<uint8_t>(MessageType::kBanner));
}

TEST_CASE("a corrupted frame is dropped and counted, the next one is answered", "[field-fixed]") {
  AgentUnderTest t;
  std::array<uint8_t, protocol::kMaxEncodedFrame> frame{};
  auto payload = sync_payload(1);
  size_t n = protocol::encode_frame(static_cast<uint8_t>(MessageType::kSync), 1, payload, frame);
  frame[n / 2] ^= 0x10;
  t.send_raw({frame.data(), n});
  auto stats = t.request(MessageType::kStats);
  REQUIRE(stats.type == static_cast<uint8_t>(MessageType::kStatsReply));
  CHECK(u32_tag(stats.payload, protocol::stats_tag::kBadCrc) +
            u32_tag(stats.payload, protocol::stats_tag::kMalformed) ==
        1);
  for (const auto& f : t.console.frames) CHECK(f.seq != 1);  // the broken request got no answer
}

TEST_CASE("blobs beyond the device's storage, out of order, or incomplete at connect are refused", "[field-fixed]") {
  AgentUnderTest t;
  auto blob = [&](uint32_t offset, uint32_t total, size_t data_size) {
    return t.blob(protocol::BlobKind::kCaChain, offset, total, std::vector<uint8_t>(data_size, 'x'));
  };
  CHECK(error_code(blob(0, 5000, 100)) == static_cast<uint8_t>(protocol::ErrorCode::kTooLarge));
  CHECK(blob(0, 300, 100).type == static_cast<uint8_t>(MessageType::kAck));
  CHECK(error_code(blob(200, 300, 100)) == static_cast<uint8_t>(protocol::ErrorCode::kBadPayload));  // gap
  CHECK(error_code(t.connect(1)) == static_cast<uint8_t>(protocol::ErrorCode::kIncomplete));
}

TEST_CASE("through the agent: configure, upload, connect to the real server, then data and reset", "[field-fixed]") {
  const servers::Chain& chain = test::ec_chain();
  servers::TestServer server(test::tls12_endpoint());
  const uint16_t port = server.start();

  AgentUnderTest t;
  std::vector<uint8_t> conf(256);
  TlvWriter cw(conf);
  cw.put_str(protocol::client_option::hostname.tag, "cloud.shakedown.test");
  cw.put_u8(protocol::client_option::debug_level.tag, 2);
  const uint8_t first_request[] = {'p', 'i', 'n', 'g', '\n'};
  cw.put_bytes(protocol::client_option::first_request.tag, first_request);
  conf.resize(cw.size());
  REQUIRE(t.request(MessageType::kConfigure, conf).type == static_cast<uint8_t>(MessageType::kAck));

  const auto pem = test::pem_for_mbedtls(chain.root().pem);
  REQUIRE(t.upload(protocol::BlobKind::kCaChain, pem).type == static_cast<uint8_t>(MessageType::kAck));

  auto report = t.connect(port);
  REQUIRE(report.type == static_cast<uint8_t>(MessageType::kReport));
  TlvReader r(report.payload);
  uint8_t stage = 0;
  uint32_t heap_peak = 0;
  uint32_t reply_bytes = 0;
  while (r.next()) {
    if (r.tag() == protocol::report_tag::kStage) r.get_u8(stage);
    if (r.tag() == protocol::report_tag::kHeapPeak) r.get_u32(heap_peak);
    if (r.tag() == protocol::report_tag::kReplyBytes) r.get_u32(reply_bytes);
  }
  CHECK(stage == static_cast<uint8_t>(core::Stage::kDone));
  CHECK(heap_peak > 10'000);
  CHECK(reply_bytes == sizeof first_request);  // the server's echo of the first request
  size_t peers = 0, log_lines = 0;
  for (const auto& f : t.console.frames) {
    peers += f.type == static_cast<uint8_t>(MessageType::kPeerCertificate);
    log_lines += f.type == static_cast<uint8_t>(MessageType::kLog) && f.seq == t.seq;
  }
  CHECK(peers == 2);
  // The report counts both, for the host to check what arrived against.
  CHECK(u32_tag(report.payload, protocol::report_tag::kLogLines) == log_lines);
  CHECK(log_lines > 0);
  TlvReader counts(report.payload);
  uint8_t peers_counted = 0;
  bool log_counted = false;
  while (counts.next()) {
    if (counts.tag() == protocol::report_tag::kPeerCertificates) counts.get_u8(peers_counted);
    log_counted |= counts.tag() == protocol::report_tag::kLogLines;
  }
  CHECK(peers_counted == 2);
  CHECK(log_counted);

  const uint8_t hello[] = "GET / HTTP/1.0\r\n\r\n";
  std::vector<uint8_t> data(64);
  TlvWriter dw(data);
  dw.put_bytes(protocol::data_tag::kData, hello);
  data.resize(dw.size());
  auto sent = t.request(MessageType::kSend, data);
  REQUIRE(sent.type == static_cast<uint8_t>(MessageType::kAck));
  CHECK(u32_tag(sent.payload, protocol::ack_tag::kStatus) == sizeof hello);
  std::vector<uint8_t> receive(32);
  TlvWriter rw(receive);
  rw.put_u16(protocol::receive_tag::kMaxBytes, 256);
  rw.put_u32(protocol::receive_tag::kTimeoutMs, 2'000);
  receive.resize(rw.size());
  auto echoed = t.request(MessageType::kReceive, receive);
  REQUIRE(echoed.type == static_cast<uint8_t>(MessageType::kData));
  std::vector<uint8_t> echo;
  TlvReader er(echoed.payload);
  while (er.next()) {
    if (er.tag() == protocol::data_tag::kData) echo.assign(er.value().begin(), er.value().end());
  }
  CHECK(echo == std::vector<uint8_t>(std::begin(hello), std::end(hello)));

  REQUIRE(t.request(MessageType::kReset).type == static_cast<uint8_t>(MessageType::kAck));
  CHECK(error_code(t.request(MessageType::kSend, data)) == static_cast<uint8_t>(protocol::ErrorCode::kNotConnected));
}

TEST_CASE("a reset forgets the configuration and every blob, a half-uploaded one too", "[field-fixed]") {
  const servers::Chain& chain = test::ec_chain();
  servers::TestServer server(test::tls12_endpoint());
  const uint16_t port = server.start();
  AgentUnderTest t;

  std::vector<uint8_t> conf(64);
  TlvWriter cw(conf);
  cw.put_str(protocol::client_option::hostname.tag, "cloud.shakedown.test");
  conf.resize(cw.size());
  REQUIRE(t.request(MessageType::kConfigure, conf).type == static_cast<uint8_t>(MessageType::kAck));
  const auto pem = test::pem_for_mbedtls(chain.root().pem);
  REQUIRE(t.upload(protocol::BlobKind::kCaChain, pem).type == static_cast<uint8_t>(MessageType::kAck));
  // Half a client certificate: kept, it would make the next connect incomplete.
  REQUIRE(t.upload(protocol::BlobKind::kOwnCertificate, pem, 500).type == static_cast<uint8_t>(MessageType::kAck));

  REQUIRE(t.request(MessageType::kReset).type == static_cast<uint8_t>(MessageType::kAck));

  // Only the trust list again, and no configure: whatever else the next
  // handshake uses is what the reset left.
  REQUIRE(t.upload(protocol::BlobKind::kCaChain, pem).type == static_cast<uint8_t>(MessageType::kAck));
  const auto report = t.connect(port);
  REQUIRE(report.type == static_cast<uint8_t>(MessageType::kReport));
  REQUIRE(server.wait_for_captures(1, std::chrono::seconds(5)));
  const auto capture = server.captures().front();
  REQUIRE(capture.client_hello);
  CHECK(capture.client_hello->server_name.empty());  // the hostname is forgotten: no SNI
}

TEST_CASE("a request repeated or replayed on the line is handled once", "[field-fixed]") {
  AgentUnderTest t;
  auto frame_of = [&](MessageType type, uint16_t seq, std::span<const uint8_t> payload) {
    std::array<uint8_t, protocol::kMaxEncodedFrame> frame{};
    const size_t n = protocol::encode_frame(static_cast<uint8_t>(type), seq, payload, frame);
    return std::vector<uint8_t>(frame.begin(), frame.begin() + static_cast<long>(n));
  };
  auto replies_to = [&](uint16_t seq) {
    for (int i = 0; i < 20; ++i) t.agent.poll(1);
    return std::count_if(t.console.frames.begin(), t.console.frames.end(), [&](const auto& f) { return f.seq == seq; });
  };
  REQUIRE(t.request(MessageType::kSync, sync_payload(5)).type == static_cast<uint8_t>(MessageType::kBanner));
  const auto configure = frame_of(MessageType::kConfigure, 200, {});
  t.send_raw(configure);
  t.send_raw(configure);  // repeated: a second configure would forget the uploads
  CHECK(replies_to(200) == 1);
  t.send_raw(frame_of(MessageType::kStats, 201, {}));
  // An older request replayed, and an older sync of this host.
  t.send_raw(configure);
  t.send_raw(frame_of(MessageType::kSync, 150, sync_payload(5)));
  CHECK(replies_to(201) == 1);
  CHECK(replies_to(200) == 1);
  CHECK(replies_to(150) == 0);
  // A sync with a nonce of its own is a new host, which numbers from the start again.
  t.send_raw(frame_of(MessageType::kSync, 1, sync_payload(6)));
  CHECK(replies_to(1) == 1);
  t.send_raw(frame_of(MessageType::kStats, 2, {}));
  CHECK(replies_to(2) == 1);
  // Numbers wrap: 1 follows 65535.
  for (uint16_t seq : std::initializer_list<uint16_t>{20000, 40000, 60000, 65535})
    t.send_raw(frame_of(MessageType::kStats, seq, {}));
  t.send_raw(frame_of(MessageType::kStats, 1, {}));
  CHECK(replies_to(65535) == 1);
  CHECK(replies_to(1) == 2);
}

TEST_CASE("the agent stops when the host goes away", "[field-fixed]") {
  AgentUnderTest t;
  t.console.closed = true;
  CHECK_FALSE(t.agent.poll(1));
}
