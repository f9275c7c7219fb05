#pragma once
// One direction of a TLS connection as the test server sees it on the wire:
// its records, the handshake messages they carry while in plaintext, and
// plaintext alerts. Also the server's ways of reshaping its own records
// (smaller records, a pause before a given message).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "capture.h"

namespace shakedown::servers {

class RecordStream {
 public:
  explicit RecordStream(bool from_server) : from_server_(from_server) {}

  // Follows the next bytes of this direction, which crossed the wire at
  // `at_ms` (from the TCP accept), appending what they complete.
  void feed(std::span<const uint8_t> bytes, double at_ms, std::vector<RecordSeen>& records,
            std::vector<HandshakeMessage>& transcript, std::vector<AlertSeen>& alerts);

 private:
  void on_body_byte(uint8_t b, const std::vector<RecordSeen>& records, std::vector<HandshakeMessage>& transcript,
                    std::vector<AlertSeen>& alerts);

  bool from_server_;
  uint8_t header_[5] = {};
  size_t header_have_ = 0;
  size_t body_left_ = 0;
  size_t body_pos_ = 0;
  bool encrypted_ = false;  // after this direction's ChangeCipherSpec
  // A handshake message may span records: its 4-byte header, then its body.
  uint8_t message_header_[4] = {};
  size_t message_header_have_ = 0;
  size_t message_body_left_ = 0;
  uint8_t alert_[2] = {};
  size_t alert_have_ = 0;
  double at_ms_ = 0;  // of the bytes being fed
};

// Splits the server's plaintext handshake records (complete records, as
// OpenSSL writes them) into records of at most `max_payload` bytes; leaves
// other records as they are. Handshake messages may span records (RFC 5246
// 6.2.1), so this is legal TLS, just unusual.
class Refragmenter {
 public:
  explicit Refragmenter(size_t max_payload) : max_payload_(max_payload) {}
  std::vector<uint8_t> apply(std::span<const uint8_t> records);

 private:
  size_t max_payload_;
  bool encrypted_ = false;
};

// Merges runs of consecutive plaintext handshake records (complete
// records) into records of up to 16384 bytes: what a server that ignores the
// client's max fragment length sends. Legal framing otherwise: the handshake
// messages, and so the transcript, are unchanged. `encrypted` tracks
// ChangeCipherSpec across calls.
std::vector<uint8_t> coalesce_handshake_records(std::span<const uint8_t> records, bool& encrypted);

// The offset in `records` (complete records) of the first plaintext
// handshake record whose first message has type `handshake_type`, or
// records.size() if none. `encrypted` tracks ChangeCipherSpec across calls.
size_t find_handshake_record(std::span<const uint8_t> records, int handshake_type, bool& encrypted);

}  // namespace shakedown::servers
