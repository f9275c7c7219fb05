// The agent's two large replies, encoded: the banner (the build and the
// port's network) and the handshake report with the peer certificates
// before it. agent.cc handles the requests that lead to them.

#include <algorithm>

#include "shakedown/agent/agent.h"
#include "shakedown/core/build_facts.h"
#include "shakedown/protocol/tlv.h"

namespace shakedown::agent {
namespace {

using protocol::MessageType;
using protocol::TlvWriter;

uint32_t feature_bits(const core::BuildFacts& f) {
  using namespace protocol::feature;
  return (f.sha1 ? kSha1 : 0) | (f.sha256 ? kSha256 : 0) | (f.sha384 ? kSha384 : 0) | (f.rsa ? kRsa : 0) |
         (f.ecdsa ? kEcdsa : 0) | (f.tls1_2 ? kTls12 : 0) | (f.tls1_3 ? kTls13 : 0);
}

}  // namespace

void Agent::send_banner(uint32_t nonce) {
  const core::BuildFacts& f = core::build_facts();
  uint16_t suites[core::HandshakeReport::kMaxSuites];
  size_t n = std::min(f.ciphersuites.size(), std::size(suites));
  for (size_t i = 0; i < n; ++i) suites[i] = static_cast<uint16_t>(f.ciphersuites[i]);
  using namespace protocol::banner_tag;
  TlvWriter w(payload_);
  w.put_u16(kProtocolVersion, protocol::kProtocolVersion);
  w.put_u32(kNonce, nonce);
  w.put_str(kTarget, identity_.target);
  w.put_str(kBuildId, identity_.build_id);
  w.put_str(kMbedtlsVersion, f.mbedtls_version);
  w.put_str(kMbedtlsLine, f.mbedtls_line);
  w.put_str(kProfile, f.profile);
  w.put_str(kConfigHash, f.profile_hash);
  w.put_str(kEntropy, identity_.entropy);
  w.put_u32(kHeapCapacity, static_cast<uint32_t>(heap_.capacity()));
  w.put_u32(kBlobCapacity, static_cast<uint32_t>(ca_chain_.storage.size()));
  w.put_u32(kMpiMaxSize, static_cast<uint32_t>(f.mpi_max_size));
  w.put_u32(kInContentLen, static_cast<uint32_t>(f.in_content_len));
  w.put_u32(kOutContentLen, static_cast<uint32_t>(f.out_content_len));
  if (f.max_content_len != 0) w.put_u32(kMaxContentLen, static_cast<uint32_t>(f.max_content_len));
  w.put_u32(kFeatures, feature_bits(f));
  w.put_u16_list(kSuites, {suites, n});
  put_network_state(w);
  reply(MessageType::kBanner, w.bytes());
}

void Agent::put_network_state(TlvWriter& w) const {
  if (gauges_.network == nullptr) return;
  const NetworkState s = gauges_.network->state();
  using namespace protocol::network_tag;
  w.put_u8(kStart, static_cast<uint8_t>(s.start));
  if (s.phy_address != kNoPhyAddress) w.put_u8(kPhyAddress, s.phy_address);
  w.put_u8(kLinkUp, s.link_up ? 1 : 0);
  if (s.speed_mbps != 0) w.put_u16(kSpeedMbps, s.speed_mbps);
  w.put_u8(kFullDuplex, s.full_duplex ? 1 : 0);
  if (s.link_up_at_ms != kLinkNeverUp) w.put_u32(kLinkUpAtMs, s.link_up_at_ms);
  w.put_u8(kAddressReady, s.address_ready ? 1 : 0);
  w.put_u32(kDroppedFrames, s.dropped_frames);
}

void Agent::send_report(const core::HandshakeReport& rep, uint32_t stack_peak) {
  // The host counts what arrives against the report's counts: a frame lost
  // on the line must not pass for a shorter chain or a quieter log.
  uint8_t peers_sent = 0;
  for (size_t i = 0; i < rep.peer_chain_count; ++i) {
    const core::PeerCertificate& pc = rep.peer_chain[i];
    using namespace protocol::peer_tag;
    TlvWriter w(payload_);
    w.put_u8(kDepth, pc.depth);
    w.put_str(kSubject, pc.subject);
    w.put_str(kIssuer, pc.issuer);
    w.put_str(kKeyType, pc.key_type);
    w.put_u16(kKeyBits, pc.key_bits);
    w.put_str(kSignatureMd, pc.signature_md);
    w.put_u32(kVerifyFlags, pc.verify_flags);
    if (reply(MessageType::kPeerCertificate, w.bytes())) ++peers_sent;
  }
  using namespace protocol::report_tag;
  TlvWriter w(payload_);
  w.put_u8(kStage, static_cast<uint8_t>(rep.stage));
  w.put_i32(kResult, rep.result);
  w.put_str(kFailedCall, rep.failed_call);
  w.put_str(kResultName, rep.result_name);
  w.put_str(kResultText, rep.result_text);
  w.put_i32(kHandshakeState, rep.handshake_state);
  w.put_u32(kVerifyFlags, rep.verify_flags);
  w.put_u8(kTrustParseFailures, rep.trust_parse_failures);
  w.put_str(kVersion, rep.version);
  w.put_str(kSuite, rep.suite);
  w.put_u16(kSuiteId, rep.suite_id);
  w.put_u16(kGroupId, rep.group_id);
  w.put_u16_list(kOfferedSuites, {rep.offered_suites, rep.offered_suite_count});
  for (size_t i = 0; i < rep.alerts_sent_count; ++i) {
    w.put_u16(kAlertSent, static_cast<uint16_t>(rep.alerts_sent[i].level << 8 | rep.alerts_sent[i].description));
  }
  for (size_t i = 0; i < rep.alerts_received_count; ++i) {
    w.put_u16(kAlertReceived,
              static_cast<uint16_t>(rep.alerts_received[i].level << 8 | rep.alerts_received[i].description));
  }
  w.put_u32(kBytesSent, rep.sent.bytes);
  w.put_u32(kBytesReceived, rep.received.bytes);
  w.put_u32(kRecordsSent, rep.sent.records);
  w.put_u32(kRecordsReceived, rep.received.records);
  w.put_u32(kLargestRecordReceived, rep.received.largest_record);
  w.put_u16(kLargestRecordType, static_cast<uint16_t>(rep.received.largest_content_type << 8 |
                                                      static_cast<uint8_t>(rep.received.largest_handshake_type)));
  w.put_u32(kHeapPeak, rep.heap_peak);
  w.put_u32(kHeapBudget, rep.heap_budget);
  w.put_u32(kDurationMs, rep.duration_ms);
  if (stack_peak != 0) w.put_u32(kStackPeak, stack_peak);
  if (!options_.first_request.empty()) w.put_u32(kReplyBytes, rep.reply_bytes);
  w.put_u8(kPeerCertificates, peers_sent);
  w.put_u32(kLogLines, log_lines_sent_);
  if (rep.connect_status != core::IoStatus::kOk) w.put_u8(kConnectStatus, static_cast<uint8_t>(rep.connect_status));
  put_network_state(w);
  reply(MessageType::kReport, w.bytes());
}

}  // namespace shakedown::agent
