#pragma once
// TLS alert descriptions (RFC 8446 6) and handshake message types (RFC 8446
// 4), by number and the name the host prints.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace shakedown::tls {

struct AlertDescription {
  uint8_t number = 0;
  std::string_view name;  // "handshake_failure"
};

std::span<const AlertDescription> all_alert_descriptions();

// The name, e.g. 40 -> "handshake_failure"; "alert 41" for a number the
// table lacks.
std::string alert_name(uint8_t description);

// The number for a name; -1 for an unknown name.
int alert_number(std::string_view name);

struct HandshakeType {
  uint8_t number = 0;
  std::string_view name;  // "Certificate"
};

std::span<const HandshakeType> all_handshake_types();

// The name, e.g. 11 -> "Certificate"; "handshake message" for a type the
// table lacks (or -1, unknown).
const char* handshake_type_name(int type);

}  // namespace shakedown::tls
