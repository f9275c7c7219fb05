#include "device_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <random>

#include "shakedown/protocol/tlv.h"
#include "shakedown/tls/stage.h"

namespace shakedown::device {
namespace {

using protocol::MessageType;
using protocol::TlvReader;
using protocol::TlvWriter;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kSyncRetry{200};
constexpr milliseconds kStopCheck{100};  // how often a wait looks at the stop token
constexpr size_t kChunk = 768;  // blob bytes per frame, with room for the tags

milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? milliseconds(0) : left;
}

std::string describe(MessageType type) {
  return fmt::format("0x{:02x}", static_cast<unsigned>(type));
}

Banner parse_banner(std::span<const uint8_t> payload) {
  using namespace protocol::banner_tag;
  Banner b;
  BuildFacts& f = b.build;
  uint32_t features = 0, u32 = 0;
  TlvReader r(payload);
  while (r.next()) {
    switch (r.tag()) {
      case kProtocolVersion: r.get_u16(b.protocol_version); break;
      case kNonce: r.get_u32(b.nonce); break;
      case kTarget: f.target = r.get_str(); break;
      case kBuildId: f.build_id = r.get_str(); break;
      case kMbedtlsVersion: f.mbedtls_version = r.get_str(); break;
      case kMbedtlsLine: f.mbedtls_line = r.get_str(); break;
      case kProfile: f.profile = r.get_str(); break;
      case kConfigHash: f.profile_hash = r.get_str(); break;
      case kEntropy: f.entropy = r.get_str(); break;
      case kHeapCapacity: r.get_u32(u32), f.heap_capacity = u32; break;
      case kMpiMaxSize: r.get_u32(u32), f.mpi_max_size = u32; break;
      case kInContentLen: r.get_u32(u32), f.in_content_len = u32; break;
      case kOutContentLen: r.get_u32(u32), f.out_content_len = u32; break;
      case kMaxContentLen: r.get_u32(u32), f.max_content_len = u32; break;
      case kFeatures: r.get_u32(features); break;
      case kSuites: {
        std::array<uint16_t, 256> suites{};
        f.ciphersuites.assign(suites.begin(), suites.begin() + std::min(r.get_u16_list(suites), suites.size()));
        break;
      }
      default:
        if (NetworkState network = b.network.value_or(NetworkState{}); read_network_tag(r, network)) {
          b.network = network;
        }
        break;
    }
  }
  if (!r.ok()) throw DeviceError("banner: malformed TLV payload");
  using namespace protocol::feature;
  f.sha1 = features & kSha1, f.sha256 = features & kSha256, f.sha384 = features & kSha384;
  f.rsa = features & kRsa, f.ecdsa = features & kEcdsa, f.tls1_2 = features & kTls12, f.tls1_3 = features & kTls13;
  return b;
}

tls::Stage stage_from_wire(uint8_t value) {
  const auto stage = tls::stage_from_wire(value);
  if (!stage) throw DeviceError(fmt::format("report: unknown stage {}", value));
  return *stage;
}

ClientReport parse_report(std::span<const uint8_t> payload) {
  using namespace protocol::report_tag;
  ClientReport rep;
  bool has_stage = false, has_result = false;
  TlvReader r(payload);
  while (r.next()) {
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    switch (r.tag()) {
      case kStage:
        if (r.get_u8(u8)) rep.stage = stage_from_wire(u8), has_stage = true;
        break;
      case kResult: has_result = r.get_i32(rep.result); break;
      case kFailedCall: rep.failed_call = r.get_str(); break;
      case kResultName: rep.result_name = r.get_str(); break;
      case kResultText: rep.result_text = r.get_str(); break;
      case kHandshakeState: r.get_i32(rep.handshake_state); break;
      case kVerifyFlags: r.get_u32(rep.verify_flags); break;
      case kTrustParseFailures: r.get_u8(u8), rep.trust_parse_failures = u8; break;
      case kVersion: rep.version = r.get_str(); break;
      case kSuite: rep.suite = r.get_str(); break;
      case kSuiteId: r.get_u16(rep.suite_id); break;
      case kGroupId: r.get_u16(rep.group_id); break;
      case kOfferedSuites: {
        std::array<uint16_t, 256> suites{};
        rep.offered_suites.assign(suites.begin(), suites.begin() + std::min(r.get_u16_list(suites), suites.size()));
        break;
      }
      case kAlertSent:
      case kAlertReceived:
        if (r.get_u16(u16)) {
          auto& list = r.tag() == kAlertSent ? rep.alerts_sent : rep.alerts_received;
          list.push_back({static_cast<uint8_t>(u16 >> 8), static_cast<uint8_t>(u16 & 0xff)});
        }
        break;
      case kBytesSent: r.get_u32(rep.bytes_sent); break;
      case kBytesReceived: r.get_u32(rep.bytes_received); break;
      case kRecordsSent: r.get_u32(rep.records_sent); break;
      case kRecordsReceived: r.get_u32(rep.records_received); break;
      case kLargestRecordReceived: r.get_u32(rep.largest_record_received); break;
      case kLargestRecordType:
        if (r.get_u16(u16)) {
          rep.largest_record_type = static_cast<uint8_t>(u16 >> 8);
          rep.largest_record_handshake_type = (u16 & 0xff) == 0xff ? -1 : (u16 & 0xff);
        }
        break;
      case kHeapPeak: r.get_u32(rep.heap_peak); break;
      case kHeapBudget: r.get_u32(rep.heap_budget); break;
      case kDurationMs: r.get_u32(rep.duration_ms); break;
      case kStackPeak: r.get_u32(rep.stack_peak); break;
      case kReplyBytes:
        if (r.get_u32(u32)) rep.reply_bytes = u32;
        break;
      case kPeerCertificates:
        if (r.get_u8(u8)) rep.peer_certificates_sent = u8;
        break;
      case kLogLines:
        if (r.get_u32(u32)) rep.log_lines_sent = u32;
        break;
      case kConnectStatus:
        if (r.get_u8(u8)) rep.connect_failure = connect_status_name(u8);
        break;
      default:
        if (NetworkState network = rep.network.value_or(NetworkState{}); read_network_tag(r, network)) {
          rep.network = network;
        }
        break;
    }
  }
  if (!r.ok()) throw DeviceError("report: malformed TLV payload");
  if (!has_stage || !has_result) throw DeviceError("report: stage or result missing");
  return rep;
}

PeerCertificate parse_peer(std::span<const uint8_t> payload) {
  using namespace protocol::peer_tag;
  PeerCertificate pc;
  TlvReader r(payload);
  while (r.next()) {
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    switch (r.tag()) {
      case kDepth: r.get_u8(u8), pc.depth = u8; break;
      case kSubject: pc.subject = r.get_str(); break;
      case kIssuer: pc.issuer = r.get_str(); break;
      case kKeyType: pc.key_type = r.get_str(); break;
      case kKeyBits: r.get_u16(u16), pc.key_bits = u16; break;
      case kSignatureMd: pc.signature_md = r.get_str(); break;
      case kVerifyFlags: r.get_u32(pc.verify_flags); break;
      default: break;
    }
  }
  if (!r.ok()) throw DeviceError("peer certificate: malformed TLV payload");
  return pc;
}

// The chain is what arrived only if it is what the report says was sent,
// each depth once: a peer-certificate frame lost or repeated on the link
// would change the chain the diagnosis reads.
// `dropped`: certificates past the host's cap (ReplyCaps), counted but not kept.
void check_peer_chain(const ClientReport& report, const std::vector<PeerCertificate>& peers, size_t dropped) {
  if (!report.peer_certificates_sent) return;  // an agent that predates the count
  std::vector<int> depths;
  for (const auto& p : peers) depths.push_back(p.depth);
  std::sort(depths.begin(), depths.end());
  const bool repeated = std::adjacent_find(depths.begin(), depths.end()) != depths.end();
  if (peers.size() + dropped != *report.peer_certificates_sent || repeated) {
    throw DeviceError(fmt::format("connect: the device sent {} peer certificates, {} arrived{}",
                                  *report.peer_certificates_sent, peers.size() + dropped,
                                  repeated ? " (a depth repeated)" : ""));
  }
}

int32_t status_of(std::span<const uint8_t> payload, uint8_t tag) {
  TlvReader r(payload);
  int32_t status = 0;
  while (r.next()) {
    if (r.tag() == tag) r.get_i32(status);
  }
  return status;
}

}  // namespace

uint16_t DeviceClient::send_request(MessageType type, std::span<const uint8_t> payload, milliseconds timeout) {
  const uint16_t seq = next_seq_++;
  if (next_seq_ == 0) next_seq_ = 1;  // 0 is the device's own (the boot banner)
  std::array<uint8_t, protocol::kMaxEncodedFrame> frame{};
  size_t n = protocol::encode_frame(static_cast<uint8_t>(type), seq, payload, frame);
  if (n == 0)
    throw DeviceError(fmt::format("request {}: payload of {} bytes too large", describe(type), payload.size()));
  if (!link_.write({frame.data(), n}, timeout)) {
    throw DeviceError(
        fmt::format("{}: could not write request {} (device gone or line blocked)", link_.describe(), describe(type)));
  }
  return seq;
}

DeviceClient::Reply DeviceClient::await_reply(uint16_t seq, Clock::time_point deadline, std::vector<std::string>* log,
                                              std::vector<PeerCertificate>* peers) {
  std::array<uint8_t, 4096> buf{};
  for (;;) {
    // Decode what is already here before waiting for more.
    while (!pending_.empty()) {
      size_t used = 0;
      bool complete = false;
      for (; used < pending_.size() && !complete; ++used) complete = decoder_.feed(pending_[used]);
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(used));
      if (!complete) break;
      const protocol::Frame& f = decoder_.frame();
      const auto type = static_cast<MessageType>(f.type);
      if (type == MessageType::kLog) {
        if (f.seq == seq) ++log_frames_of_request_;
        if (log != nullptr) {
          TlvReader r(f.payload);
          while (r.next()) {
            if (r.tag() == protocol::log_tag::kText) take_log_line(std::string(r.get_str()), *log);
          }
        }
        continue;
      }
      if (f.seq != seq) continue;  // stale: an earlier request's, or the boot banner
      if (type == MessageType::kPeerCertificate) {
        if (peers != nullptr) take_peer(parse_peer(f.payload), *peers);
        continue;
      }
      if (type == MessageType::kError) {
        std::string message;
        TlvReader r(f.payload);
        while (r.next()) {
          if (r.tag() == protocol::error_tag::kMessage) message = r.get_str();
        }
        throw DeviceError(fmt::format("the device refused the request: {}", message));
      }
      return {type, std::vector<uint8_t>(f.payload.begin(), f.payload.end())};
    }
    auto left = left_until(deadline);
    if (left.count() == 0) {
      throw DeviceError(fmt::format("{}: no reply within the deadline (dropped frames: {} bad CRC, {} malformed)",
                                    link_.describe(), decoder_.stats().bad_crc, decoder_.stats().malformed));
    }
    if (stop_.stop_requested()) {
      throw DeviceError(fmt::format("{}: wait cut short: the run is stopping", link_.describe()));
    }
    links::LinkRead got = link_.read(buf, stop_.stop_possible() ? std::min(left, kStopCheck) : left);
    if (got.status == links::LinkRead::Status::kClosed) {
      throw DeviceError(fmt::format("{}: the device hung up", link_.describe()));
    }
    pending_.insert(pending_.end(), buf.begin(), buf.begin() + static_cast<long>(got.bytes));
  }
}

void DeviceClient::take_log_line(std::string line, std::vector<std::string>& log) {
  if (log_bytes_ + line.size() <= caps_.log_bytes) {
    log_bytes_ += line.size();
    log.push_back(std::move(line));
    return;
  }
  ++dropped_.log_lines;
  dropped_.log_bytes += line.size();
  if (log_bytes_ + dropped_.log_bytes > kFloodFactor * caps_.log_bytes) {
    throw DeviceError(fmt::format("{}: the device flooded the link with over {} MiB of log before replying",
                                  link_.describe(), (kFloodFactor * caps_.log_bytes) >> 20));
  }
}

void DeviceClient::take_peer(PeerCertificate peer, std::vector<PeerCertificate>& peers) {
  if (peers.size() < caps_.peer_certificates) {
    peers.push_back(std::move(peer));
    return;
  }
  if (++dropped_.peer_certificates + peers.size() > kFloodFactor * caps_.peer_certificates) {
    throw DeviceError(fmt::format("{}: the device sent over {} peer certificates for one handshake",
                                  link_.describe(), kFloodFactor * caps_.peer_certificates));
  }
}

DeviceClient::Reply DeviceClient::request(MessageType type, std::span<const uint8_t> payload, milliseconds timeout,
                                          std::vector<std::string>* log, std::vector<PeerCertificate>* peers) {
  const auto deadline = Clock::now() + timeout;
  log_bytes_ = 0;
  dropped_ = {};
  log_frames_of_request_ = 0;
  uint16_t seq = send_request(type, payload, timeout);
  return await_reply(seq, deadline, log, peers);
}

Banner DeviceClient::sync(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::random_device rd;
  const uint32_t nonce = rd() | 1u;  // never 0: that is the boot banner's
  std::array<uint8_t, 16> payload{};
  TlvWriter w(payload);
  w.put_u32(protocol::sync_tag::kNonce, nonce);
  // Resend until answered: the device may still be booting, or the first
  // frame may have been eaten by stray output on the line.
  for (;;) {
    uint16_t seq = send_request(MessageType::kSync, w.bytes(), left_until(deadline));
    try {
      Reply reply = await_reply(seq, std::min(deadline, Clock::now() + kSyncRetry), nullptr, nullptr);
      if (reply.type != MessageType::kBanner) continue;
      Banner banner = parse_banner(reply.payload);
      if (banner.nonce != nonce) continue;
      if (banner.protocol_version != protocol::kProtocolVersion) {
        throw DeviceError(fmt::format("the device speaks protocol {}, the host {}", banner.protocol_version,
                                      protocol::kProtocolVersion));
      }
      return banner;
    } catch (const DeviceError&) {
      if (left_until(deadline).count() == 0) throw;
    }
  }
}

void DeviceClient::configure(const DeviceConfig& config, milliseconds timeout) {
  std::array<uint8_t, protocol::kMaxPayload> payload{};
  TlvWriter w(payload);
  if (!encode_configure(config, w)) throw DeviceError("configure: the options do not fit one frame");
  request(MessageType::kConfigure, w.bytes(), timeout);
}

void DeviceClient::upload(protocol::BlobKind kind, std::span<const uint8_t> bytes, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (size_t offset = 0; offset < bytes.size(); offset += kChunk) {
    auto chunk = bytes.subspan(offset, std::min(kChunk, bytes.size() - offset));
    std::array<uint8_t, protocol::kMaxPayload> payload{};
    TlvWriter w(payload);
    w.put_u8(protocol::blob_tag::kKind, static_cast<uint8_t>(kind));
    w.put_u32(protocol::blob_tag::kOffset, static_cast<uint32_t>(offset));
    w.put_u32(protocol::blob_tag::kTotal, static_cast<uint32_t>(bytes.size()));
    w.put_bytes(protocol::blob_tag::kData, chunk);
    request(MessageType::kBlob, w.bytes(), left_until(deadline));
  }
}

ClientReport DeviceClient::connect(const std::string& address, uint16_t port, milliseconds timeout,
                                   std::vector<std::string>& log) {
  std::array<uint8_t, 128> payload{};
  TlvWriter w(payload);
  w.put_str(protocol::connect_tag::kAddress, address);
  w.put_u16(protocol::connect_tag::kPort, port);
  std::vector<PeerCertificate> peers;
  Reply reply = request(MessageType::kConnect, w.bytes(), timeout, &log, &peers);
  if (reply.type != MessageType::kReport) throw DeviceError("connect: the device answered without a report");
  ClientReport report = parse_report(reply.payload);
  check_peer_chain(report, peers, dropped_.peer_certificates);
  report.log_lines_received = log_frames_of_request_;
  std::sort(peers.begin(), peers.end(), [](const auto& a, const auto& b) { return a.depth < b.depth; });
  report.peer_chain = std::move(peers);
  report.dropped = dropped_;
  if (dropped_.log_lines != 0) {
    log.push_back(fmt::format("shakedown: {} further log lines ({} bytes) were dropped past the cap of {} MiB",
                              dropped_.log_lines, dropped_.log_bytes, caps_.log_bytes >> 20));
  }
  return report;
}

int32_t DeviceClient::send(std::span<const uint8_t> data, milliseconds timeout) {
  std::array<uint8_t, protocol::kMaxPayload> payload{};
  TlvWriter w(payload);
  if (!w.put_bytes(protocol::data_tag::kData, data)) throw DeviceError("send: more data than one frame holds");
  return status_of(request(MessageType::kSend, w.bytes(), timeout).payload, protocol::ack_tag::kStatus);
}

int32_t DeviceClient::receive(std::vector<uint8_t>& out, uint16_t max, uint32_t device_timeout_ms,
                              milliseconds timeout) {
  std::array<uint8_t, 32> payload{};
  TlvWriter w(payload);
  w.put_u16(protocol::receive_tag::kMaxBytes, max);
  w.put_u32(protocol::receive_tag::kTimeoutMs, device_timeout_ms);
  Reply reply = request(MessageType::kReceive, w.bytes(), timeout);
  TlvReader r(reply.payload);
  int32_t status = 0;
  while (r.next()) {
    if (r.tag() == protocol::data_tag::kStatus) r.get_i32(status);
    if (r.tag() == protocol::data_tag::kData) out.assign(r.value().begin(), r.value().end());
  }
  return status;
}

DeviceStats DeviceClient::stats(milliseconds timeout) {
  using namespace protocol::stats_tag;
  Reply reply = request(MessageType::kStats, {}, timeout);
  DeviceStats s;
  TlvReader r(reply.payload);
  while (r.next()) {
    uint8_t open = 0;
    switch (r.tag()) {
      case kFrames: r.get_u32(s.frames); break;
      case kBadCrc: r.get_u32(s.bad_crc); break;
      case kMalformed: r.get_u32(s.malformed); break;
      case kOversized: r.get_u32(s.oversized); break;
      case kLogDropped: r.get_u32(s.log_dropped); break;
      case kSessionOpen: r.get_u8(open), s.session_open = open != 0; break;
      default: break;
    }
  }
  return s;
}

void DeviceClient::reset(milliseconds timeout) {
  request(MessageType::kReset, {}, timeout);
}

void DeviceClient::close_session(milliseconds timeout) {
  request(MessageType::kClose, {}, timeout);
}

}  // namespace shakedown::device
