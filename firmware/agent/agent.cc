#include "shakedown/agent/agent.h"

#include <algorithm>
#include <cstring>

#include "shakedown/protocol/tlv.h"

namespace shakedown::agent {
namespace {

using protocol::ErrorCode;
using protocol::MessageType;
using protocol::TlvReader;
using protocol::TlvWriter;

constexpr uint32_t kDefaultReadTimeoutMs = protocol::client_option::read_timeout_ms.fallback;
constexpr uint16_t kMaxReceive = 512;  // fits a kData frame with room to spare

bool version_from_wire(uint16_t wire, core::TlsVersion& out) {
  switch (wire) {
    case 0x0301: out = core::TlsVersion::kTls1_0; return true;
    case 0x0302: out = core::TlsVersion::kTls1_1; return true;
    case 0x0303: out = core::TlsVersion::kTls1_2; return true;
    case 0x0304: out = core::TlsVersion::kTls1_3; return true;
    default: return false;
  }
}

// An unsigned number of `width` bytes, as client_options.def's rows carry them.
bool read_unsigned(const TlvReader& r, uint8_t width, uint32_t& out) {
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  switch (width) {
    case 1:
      if (!r.get_u8(u8)) return false;
      out = u8;
      return true;
    case 2:
      if (!r.get_u16(u16)) return false;
      out = u16;
      return true;
    default: return r.get_u32(out);
  }
}

void copy_string(std::string_view from, char* to, size_t size) {
  size_t n = std::min(from.size(), size - 1);
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

}  // namespace

std::optional<int64_t> Agent::ConfiguredClock::wall_time_s() {
  switch (mode_) {
    case Mode::kPort: return port_.wall_time_s();
    case Mode::kUnset: return std::nullopt;
    case Mode::kSet: return base_wall_s_ + static_cast<int64_t>((port_.monotonic_ms() - base_ms_) / 1000);
  }
  return std::nullopt;
}

void Agent::ConfiguredClock::set(int64_t wall_s) {
  mode_ = Mode::kSet;
  base_wall_s_ = wall_s;
  base_ms_ = port_.monotonic_ms();
}

void Agent::FrameLogSink::write(core::LogSource source, int level, std::string_view line) {
  uint8_t buf[320];
  TlvWriter w(buf);
  w.put_u8(protocol::log_tag::kLevel, static_cast<uint8_t>(level));
  w.put_u8(protocol::log_tag::kSource, source == core::LogSource::kMbedtls ? 0 : 1);
  if (!w.put_str_truncated(protocol::log_tag::kText, line, 256) || line.size() > 256) ++agent_.log_dropped_;
  if (agent_.reply(MessageType::kLog, w.bytes())) ++agent_.log_lines_sent_;
}

Agent::Agent(Console& console, core::Transport& transport, core::Clock& clock, core::Entropy& entropy, core::Heap& heap,
             AgentIdentity identity, AgentStorage storage, AgentGauges gauges)
    : console_(console),
      transport_(transport),
      heap_(heap),
      gauges_(gauges),
      identity_(identity),
      clock_(clock),
      log_(*this),
      client_(transport, clock_, entropy, log_, heap) {
  ca_chain_.storage = storage.ca_chain;
  own_certificate_.storage = storage.own_certificate;
  own_key_.storage = storage.own_key;
  forget_configuration();
}

void Agent::announce() {
  seq_ = 0;
  send_banner(0);
}

bool Agent::poll(uint32_t timeout_ms) {
  core::IoResult r = console_.read(rx_, timeout_ms);
  if (r.status == core::IoStatus::kClosed) return false;
  for (size_t i = 0; r.ok() && i < r.bytes; ++i) {
    if (decoder_.feed(rx_[i])) dispatch(decoder_.frame());
  }
  return true;
}

bool Agent::stale(const protocol::Frame& frame) const {
  // Serial number arithmetic: the host's numbers wrap (skipping 0).
  if (static_cast<int16_t>(frame.seq - last_seq_) > 0) return false;
  if (static_cast<MessageType>(frame.type) != MessageType::kSync) return true;
  // A sync with a nonce of its own is a new host, which numbers from 1 again.
  TlvReader r(frame.payload);
  uint32_t nonce = 0;
  while (r.next()) {
    if (r.tag() == protocol::sync_tag::kNonce) r.get_u32(nonce);
  }
  return nonce == session_nonce_;
}

void Agent::dispatch(const protocol::Frame& frame) {
  if (stale(frame)) return;
  last_seq_ = seq_ = frame.seq;
  switch (static_cast<MessageType>(frame.type)) {
    case MessageType::kSync: return on_sync(frame.payload);
    case MessageType::kConfigure: return on_configure(frame.payload);
    case MessageType::kBlob: return on_blob(frame.payload);
    case MessageType::kConnect: return on_connect(frame.payload);
    case MessageType::kSend: return on_send(frame.payload);
    case MessageType::kReceive: return on_receive(frame.payload);
    case MessageType::kStats: return on_stats();
    case MessageType::kReset: return on_reset();
    case MessageType::kClose: return on_close();
    default: return refuse(ErrorCode::kUnknownType, "unknown request type");
  }
}

void Agent::on_sync(std::span<const uint8_t> payload) {
  TlvReader r(payload);
  uint32_t nonce = 0;
  while (r.next()) {
    if (r.tag() == protocol::sync_tag::kNonce && !r.get_u32(nonce)) return refuse(ErrorCode::kBadPayload, "nonce: u32");
  }
  if (!r.ok()) return refuse(ErrorCode::kBadPayload, "sync: malformed TLV");
  session_nonce_ = nonce;
  send_banner(nonce);
}

void Agent::on_configure(std::span<const uint8_t> payload) {
  client_.close();
  forget_configuration();
  TlvReader r(payload);
  while (r.next()) {
    if (const char* why = apply_option(r)) return refuse(ErrorCode::kBadPayload, why);
  }
  if (!r.ok()) return refuse(ErrorCode::kBadPayload, "configure: malformed TLV");
  ack(0);
}

const char* Agent::apply_option(const TlvReader& r) {
  namespace option = protocol::client_option;
  const uint8_t tag = r.tag();
#define SHAKEDOWN_NUMBER(field, ...) \
  if (option::field.owns(tag)) return set_number(r, option::field, options_.field);
#define SHAKEDOWN_CHOICE(field, ...) \
  if (option::field.owns(tag)) return set_number(r, option::field, options_.field);
#define SHAKEDOWN_SPECIAL(field, ...) \
  if (option::field.owns(tag)) return decode_##field(r, option::field);
#include "shakedown/protocol/client_options.def"
  return nullptr;  // a newer host's option: ignored, as docs/protocol.md says
}

template <typename T>
const char* Agent::set_number(const TlvReader& r, const protocol::ClientOptionRow& row, T& out) {
  uint32_t value = 0;
  if (!read_unsigned(r, row.width, value) || !row.accepts(value)) return refusal(row, ": wrong width or out of range");
  out = static_cast<T>(value);
  return nullptr;
}

const char* Agent::refusal(const protocol::ClientOptionRow& row, std::string_view why) {
  size_t n = std::min(row.field.size(), sizeof refusal_ - 1);
  std::memcpy(refusal_, row.field.data(), n);
  size_t m = std::min(why.size(), sizeof refusal_ - 1 - n);
  std::memcpy(refusal_ + n, why.data(), m);
  refusal_[n + m] = '\0';
  return refusal_;
}

const char* Agent::decode_hostname(const TlvReader& r, const protocol::ClientOptionRow&) {
  if (r.value().size() >= sizeof hostname_) return "hostname: too long";
  copy_string(r.get_str(), hostname_, sizeof hostname_);
  options_.hostname = hostname_;
  return nullptr;
}

const char* Agent::decode_ciphersuites(const TlvReader& r, const protocol::ClientOptionRow&) {
  size_t count = r.get_u16_list(suites_);
  if (count > std::size(suites_)) return "suites: more than 64";
  options_.ciphersuites = {suites_, count};
  return nullptr;
}

const char* Agent::decode_versions(const TlvReader& r, const protocol::ClientOptionRow& row) {
  const bool min = r.tag() == row.tag;
  uint16_t wire = 0;
  if (!r.get_u16(wire) || !version_from_wire(wire, min ? options_.min_version : options_.max_version)) {
    return min ? "min_version: u16 0x0301..0x0304" : "max_version: u16 0x0301..0x0304";
  }
  return nullptr;
}

const char* Agent::decode_time(const TlvReader& r, const protocol::ClientOptionRow& row) {
  if (r.tag() != row.tag) {  // the next tag: unset, whatever its value
    clock_.unset();
    return nullptr;
  }
  int64_t wall_s = 0;
  if (!r.get_i64(wall_s)) return "wall_time: i64";
  clock_.set(wall_s);
  return nullptr;
}

const char* Agent::decode_first_request(const TlvReader& r, const protocol::ClientOptionRow&) {
  if (r.value().empty() || r.value().size() > sizeof first_request_) return "first_request: 1..64 bytes";
  std::copy(r.value().begin(), r.value().end(), first_request_);
  options_.first_request = {first_request_, r.value().size()};
  return nullptr;
}

const char* Agent::decode_psk(const TlvReader& r, const protocol::ClientOptionRow& row) {
  const std::span<const uint8_t> value = r.value();
  if (r.tag() == row.tag) {
    if (value.empty() || value.size() > sizeof psk_identity_) return "psk identity: 1..128 bytes";
    std::copy(value.begin(), value.end(), psk_identity_);
    options_.psk_identity = {psk_identity_, value.size()};
  } else {
    if (value.empty() || value.size() > sizeof psk_) return "psk key: 1..64 bytes";
    std::copy(value.begin(), value.end(), psk_);
    options_.psk = {psk_, value.size()};
  }
  return nullptr;
}

void Agent::on_blob(std::span<const uint8_t> payload) {
  using namespace protocol::blob_tag;
  TlvReader r(payload);
  uint8_t kind = 0;
  uint32_t offset = 0, total = 0;
  std::span<const uint8_t> data;
  bool has_kind = false, has_offset = false, has_total = false;
  while (r.next()) {
    if (r.tag() == kKind) has_kind = r.get_u8(kind);
    if (r.tag() == kOffset) has_offset = r.get_u32(offset);
    if (r.tag() == kTotal) has_total = r.get_u32(total);
    if (r.tag() == kData) data = r.value();
  }
  if (!r.ok() || !has_kind || !has_offset || !has_total || total == 0) {
    return refuse(ErrorCode::kBadPayload, "blob: kind, offset and total are required");
  }
  Blob* blob = kind == static_cast<uint8_t>(protocol::BlobKind::kCaChain)          ? &ca_chain_
               : kind == static_cast<uint8_t>(protocol::BlobKind::kOwnCertificate) ? &own_certificate_
               : kind == static_cast<uint8_t>(protocol::BlobKind::kOwnKey)         ? &own_key_
                                                                                   : nullptr;
  if (blob == nullptr) return refuse(ErrorCode::kBadPayload, "blob: unknown kind");
  if (total > blob->storage.size()) return refuse(ErrorCode::kTooLarge, "blob: larger than the device's storage");
  if (offset == 0) blob->total = total, blob->received = 0;
  if (total != blob->total || offset != blob->received || data.size() > total - offset) {
    return refuse(ErrorCode::kBadPayload, "blob: chunk out of order or past the announced total");
  }
  std::memcpy(blob->storage.data() + offset, data.data(), data.size());
  blob->received += data.size();
  ack(0);
}

void Agent::on_connect(std::span<const uint8_t> payload) {
  using namespace protocol::connect_tag;
  log_lines_sent_ = 0;
  TlvReader r(payload);
  uint16_t port = 0;
  bool has_address = false;
  while (r.next()) {
    if (r.tag() == kAddress && r.value().size() < sizeof address_) {
      copy_string(r.get_str(), address_, sizeof address_);
      has_address = true;
    }
    if (r.tag() == kPort) r.get_u16(port);
  }
  if (!r.ok() || !has_address || port == 0) return refuse(ErrorCode::kBadPayload, "connect: address and port");
  for (const Blob* blob : {&ca_chain_, &own_certificate_, &own_key_}) {
    if (blob->total != 0 && !blob->complete()) return refuse(ErrorCode::kIncomplete, "connect: a blob is incomplete");
  }
  options_.server_address = address_;
  options_.server_port = port;
  options_.ca_certificates = ca_chain_.bytes();
  options_.own_certificate = own_certificate_.bytes();
  options_.own_key = own_key_.bytes();
  if (gauges_.stack != nullptr) gauges_.stack->arm();
  const core::HandshakeReport& report = client_.connect(options_);
  send_report(report, gauges_.stack != nullptr ? gauges_.stack->peak_bytes() : 0);
}

void Agent::on_send(std::span<const uint8_t> payload) {
  TlvReader r(payload);
  std::span<const uint8_t> data;
  while (r.next()) {
    if (r.tag() == protocol::data_tag::kData) data = r.value();
  }
  if (!r.ok()) return refuse(ErrorCode::kBadPayload, "send: malformed TLV");
  if (!client_.is_open()) return refuse(ErrorCode::kNotConnected, "send: no open session");
  ack(client_.write(data));
}

void Agent::on_receive(std::span<const uint8_t> payload) {
  TlvReader r(payload);
  uint16_t max = kMaxReceive;
  uint32_t timeout = kDefaultReadTimeoutMs;
  while (r.next()) {
    if (r.tag() == protocol::receive_tag::kMaxBytes) r.get_u16(max);
    if (r.tag() == protocol::receive_tag::kTimeoutMs) r.get_u32(timeout);
  }
  if (!r.ok() || timeout == 0) return refuse(ErrorCode::kBadPayload, "receive: malformed TLV");
  if (!client_.is_open()) return refuse(ErrorCode::kNotConnected, "receive: no open session");
  uint8_t data[kMaxReceive];
  int got = client_.read({data, std::min<size_t>(max, sizeof data)}, timeout);
  TlvWriter w(payload_);
  w.put_i32(protocol::data_tag::kStatus, got);
  if (got > 0) w.put_bytes(protocol::data_tag::kData, {data, static_cast<size_t>(got)});
  reply(MessageType::kData, w.bytes());
}

void Agent::on_stats() {
  using namespace protocol::stats_tag;
  const protocol::DecoderStats& d = decoder_.stats();
  TlvWriter w(payload_);
  w.put_u32(kFrames, d.frames);
  w.put_u32(kBadCrc, d.bad_crc);
  w.put_u32(kMalformed, d.malformed);
  w.put_u32(kOversized, d.oversized);
  w.put_u32(kLogDropped, log_dropped_);
  w.put_u32(kHeapCapacity, static_cast<uint32_t>(heap_.capacity()));
  w.put_u8(kSessionOpen, client_.is_open() ? 1 : 0);
  reply(MessageType::kStatsReply, w.bytes());
}

void Agent::on_reset() {
  client_.close();
  forget_configuration();
  ack(0);
}

void Agent::on_close() {
  client_.close();
  ack(0);
}

void Agent::forget_configuration() {
  options_ = core::ClientOptions{};
  // The rows' defaults, which the host leaves unsent.
#define SHAKEDOWN_NUMBER(field, key, tag, type, min, max, fallback, ...) \
  options_.field = static_cast<decltype(options_.field)>(fallback);
#define SHAKEDOWN_CHOICE(field, key, tag, fallback, names) \
  options_.field = static_cast<decltype(options_.field)>(fallback);
#include "shakedown/protocol/client_options.def"
  clock_.follow_port();
  ca_chain_.total = ca_chain_.received = 0;
  own_certificate_.total = own_certificate_.received = 0;
  own_key_.total = own_key_.received = 0;
}

void Agent::ack(int32_t status) {
  uint8_t buf[16];
  TlvWriter w(buf);
  w.put_i32(protocol::ack_tag::kStatus, status);
  reply(MessageType::kAck, w.bytes());
}

void Agent::refuse(ErrorCode code, std::string_view message) {
  uint8_t buf[160];
  TlvWriter w(buf);
  w.put_u8(protocol::error_tag::kCode, static_cast<uint8_t>(code));
  w.put_str_truncated(protocol::error_tag::kMessage, message, 128);
  reply(MessageType::kError, w.bytes());
}

bool Agent::reply(MessageType type, std::span<const uint8_t> payload) {
  size_t n = protocol::encode_frame(static_cast<uint8_t>(type), seq_, payload, tx_);
  if (n == 0) {
    ++log_dropped_;
    return false;
  }
  return console_.write({tx_, n});
}

}  // namespace shakedown::agent
