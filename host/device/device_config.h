#pragma once
// DeviceConfig: the client options the host sends in kConfigure, one member
// per row of client_options.def (the special rows' by hand, the numbers'
// and choices' from the rows), and their encoding.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shakedown/protocol/client_options.h"
#include "shakedown/protocol/tlv.h"

namespace shakedown::device {

struct DeviceConfig {
  std::string hostname;                 // empty: no SNI and no name check
  std::vector<uint16_t> ciphersuites;   // empty: the build's
  std::optional<uint16_t> min_version;  // 0x0303 for TLS 1.2; none: the build's
  std::optional<uint16_t> max_version;
  std::string time = "now";  // now (the device's clock), unset, or seconds since 1970
  // Sent once the handshake completes, then one reply awaited (at most 64
  // bytes); empty: no exchange.
  std::string first_request;
  // A pre-shared key (1..64 bytes) and the identity sent with it (1..128
  // bytes); an empty key: none.
  std::string psk_identity;
  std::vector<uint8_t> psk_key;
  // read_timeout_ms, heap_budget, auth_mode (0 none, 1 optional, 2 required),
  // max_fragment_length, debug_level, ...: at the rows' defaults.
#define SHAKEDOWN_NUMBER(field, key, tag, type, min, max, fallback, sent, values) type field = fallback;
#define SHAKEDOWN_CHOICE(field, key, tag, fallback, names) uint8_t field = fallback;
#include "shakedown/protocol/client_options.def"
};

// Writes kConfigure's payload, in tag order. False when it does not fit
// (then w.ok() is false too).
bool encode_configure(const DeviceConfig& config, protocol::TlvWriter& w);

}  // namespace shakedown::device
