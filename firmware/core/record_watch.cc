#include "record_watch.h"

#include <algorithm>
#include <cstring>

namespace shakedown::core {
namespace {

constexpr uint8_t kChangeCipherSpec = 20;
constexpr uint8_t kAlertRecord = 21;
constexpr uint8_t kHandshakeRecord = 22;
constexpr uint8_t kServerHello = 2;
constexpr uint8_t kServerKeyExchange = 12;
constexpr uint16_t kKeyShareExtension = 51;
constexpr uint8_t kNamedCurve = 3;

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// The key_share group of a ServerHello body (after the 4-byte message
// header), or 0.
uint16_t server_hello_key_share(std::span<const uint8_t> m) {
  size_t pos = 2 + 32;  // version, random
  if (pos >= m.size()) return 0;
  pos += 1 + m[pos];  // session id
  pos += 2 + 1;       // suite, compression
  if (pos + 2 > m.size()) return 0;
  size_t end = std::min(m.size(), pos + 2 + be16(&m[pos]));
  pos += 2;
  while (pos + 4 <= end) {
    uint16_t type = be16(&m[pos]);
    uint16_t len = be16(&m[pos + 2]);
    if (type == kKeyShareExtension && len >= 2 && pos + 6 <= end) return be16(&m[pos + 4]);
    pos += 4 + len;
  }
  return 0;
}

// The named curve of a ServerKeyExchange body, or 0. ECDHE's parameters
// come first; ECDHE-PSK puts the PSK identity hint (u16 length, bytes)
// before them. Read only for ECDHE suites, where one of the two holds (a
// hint of 768 bytes or more would pass for the first).
uint16_t ske_named_curve(std::span<const uint8_t> m) {
  if (m.size() >= 3 && m[0] == kNamedCurve) return be16(&m[1]);
  if (m.size() < 2) return 0;
  const size_t at = 2 + size_t{be16(&m[0])};
  return m.size() >= at + 3 && m[at] == kNamedCurve ? be16(&m[at + 1]) : 0;
}

}  // namespace

void RecordWatch::feed(std::span<const uint8_t> bytes) {
  traffic_.bytes += static_cast<uint32_t>(bytes.size());
  size_t keep = std::min(bytes.size(), kKeptPrefix - prefix_size_);
  std::memcpy(prefix_ + prefix_size_, bytes.data(), keep);
  prefix_size_ += keep;

  while (!bytes.empty()) {
    if (header_have_ < sizeof header_) {
      size_t take = std::min(bytes.size(), sizeof header_ - header_have_);
      std::memcpy(header_ + header_have_, bytes.data(), take);
      header_have_ += take;
      bytes = bytes.subspan(take);
      if (header_have_ == sizeof header_) on_record_start();
      continue;
    }
    size_t take = std::min(bytes.size(), body_left_);
    size_t keep_body = std::min(take, sizeof body_ - body_have_);
    std::memcpy(body_ + body_have_, bytes.data(), keep_body);
    body_have_ += keep_body;
    body_left_ -= take;
    bytes = bytes.subspan(take);
    if (body_left_ == 0) on_record_end();
  }
}

void RecordWatch::on_record_start() {
  body_left_ = be16(&header_[3]);
  body_have_ = 0;
  ++traffic_.records;
  current_is_largest_ = body_left_ > traffic_.largest_record;
  if (current_is_largest_) {
    traffic_.largest_record = static_cast<uint32_t>(body_left_);
    traffic_.largest_content_type = header_[0];
    traffic_.largest_handshake_type = -1;  // known once the body is in
  }
  if (body_left_ == 0) on_record_end();
}

void RecordWatch::on_record_end() {
  const uint8_t type = header_[0];
  const bool plaintext = !encrypted_;
  if (current_is_largest_ && type == kHandshakeRecord && plaintext && body_have_ >= 1) {
    traffic_.largest_handshake_type = body_[0];
  }
  if (type == kAlertRecord && plaintext && body_have_ == 2 && alert_count_ < HandshakeReport::kMaxAlerts) {
    alerts_[alert_count_++] = {body_[0], body_[1]};
  }
  if (type == kHandshakeRecord && plaintext && body_have_ >= 4) {
    std::span<const uint8_t> message(body_ + 4, body_have_ - 4);
    if (body_[0] == kServerHello) key_share_group_ = server_hello_key_share(message);
    if (body_[0] == kServerKeyExchange) ske_group_ = ske_named_curve(message);
  }
  if (type == kChangeCipherSpec) encrypted_ = true;
  header_have_ = 0;
}

}  // namespace shakedown::core
