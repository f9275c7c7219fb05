#pragma once
// RecordWatch: follows one direction of a TLS connection from the bytes the
// transport moved, so the report can say what crossed the wire on every
// target, whatever the Mbed TLS line: record counts and sizes, plaintext
// alerts, and the negotiated group from the ServerHello or ServerKeyExchange.

#include <cstddef>
#include <cstdint>
#include <span>

#include "shakedown/core/handshake_report.h"

namespace shakedown::core {

class RecordWatch {
 public:
  static constexpr size_t kKeptPrefix = 1024;  // the first bytes, e.g. the ClientHello

  void feed(std::span<const uint8_t> bytes);

  const Traffic& traffic() const { return traffic_; }
  std::span<const Alert> alerts() const { return {alerts_, alert_count_}; }
  std::span<const uint8_t> prefix() const { return {prefix_, prefix_size_}; }
  // The group a ServerHello's key_share named (TLS 1.3), else the named
  // curve of an ECDHE ServerKeyExchange (TLS 1.2); 0 when neither was seen.
  uint16_t group() const { return key_share_group_ != 0 ? key_share_group_ : ske_group_; }

 private:
  void on_record_start();
  void on_record_end();

  Traffic traffic_;
  Alert alerts_[HandshakeReport::kMaxAlerts] = {};
  size_t alert_count_ = 0;
  uint8_t prefix_[kKeptPrefix] = {};
  size_t prefix_size_ = 0;

  uint8_t header_[5] = {};
  size_t header_have_ = 0;
  size_t body_left_ = 0;
  bool encrypted_ = false;  // after this side's ChangeCipherSpec
  bool current_is_largest_ = false;
  // The start of the current record's body, enough for the messages we read.
  uint8_t body_[512] = {};
  size_t body_have_ = 0;
  uint16_t key_share_group_ = 0;
  uint16_t ske_group_ = 0;
};

}  // namespace shakedown::core
