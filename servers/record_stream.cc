#include "record_stream.h"

#include <algorithm>
#include <cstdint>

namespace shakedown::servers {
namespace {

constexpr uint8_t kChangeCipherSpec = 20;
constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr size_t kHeader = 5;

size_t record_length(const uint8_t* header) {
  return static_cast<size_t>(header[3]) << 8 | header[4];
}

}  // namespace

void RecordStream::feed(std::span<const uint8_t> bytes, double at_ms, std::vector<RecordSeen>& records,
                        std::vector<HandshakeMessage>& transcript, std::vector<AlertSeen>& alerts) {
  at_ms_ = at_ms;
  for (uint8_t b : bytes) {
    if (header_have_ < kHeader) {
      header_[header_have_++] = b;
      if (header_have_ == kHeader) {
        body_left_ = record_length(header_);
        body_pos_ = 0;
        records.push_back({header_[0], body_left_, -1, encrypted_, at_ms});
        alert_have_ = 0;
        if (header_[0] == kChangeCipherSpec) encrypted_ = true;  // what follows this record is encrypted
        if (body_left_ == 0) header_have_ = 0;
      }
      continue;
    }
    if (!records.back().encrypted && header_[0] == kHandshake && body_pos_ == 0) records.back().handshake_type = b;
    if (!records.back().encrypted) on_body_byte(b, records, transcript, alerts);
    ++body_pos_;
    if (--body_left_ == 0) header_have_ = 0;
  }
}

void RecordStream::on_body_byte(uint8_t b, const std::vector<RecordSeen>& records,
                                std::vector<HandshakeMessage>& transcript, std::vector<AlertSeen>& alerts) {
  if (header_[0] == kAlert) {
    if (alert_have_ < 2) alert_[alert_have_++] = b;
    if (alert_have_ == 2) alerts.push_back({from_server_, alert_[0], alert_[1], at_ms_});
    return;
  }
  if (header_[0] != kHandshake) return;
  if (message_body_left_ > 0) {
    --message_body_left_;
    return;
  }
  message_header_[message_header_have_++] = b;
  if (message_header_have_ == 4) {
    size_t length = static_cast<size_t>(message_header_[1]) << 16 | static_cast<size_t>(message_header_[2]) << 8 |
                    message_header_[3];
    transcript.push_back({from_server_, message_header_[0], length, records.size() - 1, at_ms_});
    message_body_left_ = length;
    message_header_have_ = 0;
  }
}

std::vector<uint8_t> Refragmenter::apply(std::span<const uint8_t> records) {
  std::vector<uint8_t> out;
  size_t pos = 0;
  while (pos + kHeader <= records.size()) {
    const uint8_t* header = records.data() + pos;
    const size_t length = std::min(record_length(header), records.size() - pos - kHeader);
    const uint8_t* body = header + kHeader;
    if (header[0] == kHandshake && !encrypted_ && length > max_payload_) {
      for (size_t done = 0; done < length; done += max_payload_) {
        const size_t n = std::min(max_payload_, length - done);
        out.insert(out.end(), {header[0], header[1], header[2], static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
        out.insert(out.end(), body + done, body + done + n);
      }
    } else {
      out.insert(out.end(), header, body + length);
    }
    if (header[0] == kChangeCipherSpec) encrypted_ = true;
    pos += kHeader + length;
  }
  out.insert(out.end(), records.begin() + static_cast<long>(std::min(pos, records.size())), records.end());
  return out;
}

std::vector<uint8_t> coalesce_handshake_records(std::span<const uint8_t> records, bool& encrypted) {
  constexpr size_t kMaxRecord = 16384;
  std::vector<uint8_t> out;
  size_t open_record = SIZE_MAX;  // where the record being grown starts in `out`
  size_t pos = 0;
  while (pos + kHeader <= records.size()) {
    const uint8_t* header = records.data() + pos;
    const size_t length = std::min(record_length(header), records.size() - pos - kHeader);
    const uint8_t* body = header + kHeader;
    const bool mergeable = header[0] == kHandshake && !encrypted;
    if (mergeable && open_record != SIZE_MAX && out.size() - open_record - kHeader + length <= kMaxRecord) {
      out.insert(out.end(), body, body + length);
      const size_t grown = out.size() - open_record - kHeader;
      out[open_record + 3] = static_cast<uint8_t>(grown >> 8);
      out[open_record + 4] = static_cast<uint8_t>(grown);
    } else {
      open_record = mergeable ? out.size() : SIZE_MAX;
      out.insert(out.end(), header, body + length);
    }
    if (header[0] == kChangeCipherSpec) encrypted = true;
    pos += kHeader + length;
  }
  out.insert(out.end(), records.begin() + static_cast<long>(std::min(pos, records.size())), records.end());
  return out;
}

size_t find_handshake_record(std::span<const uint8_t> records, int handshake_type, bool& encrypted) {
  size_t pos = 0;
  while (pos + kHeader < records.size()) {
    const uint8_t* header = records.data() + pos;
    if (header[0] == kHandshake && !encrypted && header[kHeader] == handshake_type) return pos;
    if (header[0] == kChangeCipherSpec) encrypted = true;
    pos += kHeader + record_length(header);
  }
  return records.size();
}

}  // namespace shakedown::servers
