#include "shakedown/tls/alert.h"

#include <fmt/format.h>

#include <array>

namespace shakedown::tls {
namespace {

constexpr std::array kAlerts = {
    AlertDescription{0, "close_notify"},
    AlertDescription{10, "unexpected_message"},
    AlertDescription{20, "bad_record_mac"},
    AlertDescription{22, "record_overflow"},
    AlertDescription{40, "handshake_failure"},
    AlertDescription{42, "bad_certificate"},
    AlertDescription{43, "unsupported_certificate"},
    AlertDescription{44, "certificate_revoked"},
    AlertDescription{45, "certificate_expired"},
    AlertDescription{46, "certificate_unknown"},
    AlertDescription{47, "illegal_parameter"},
    AlertDescription{48, "unknown_ca"},
    AlertDescription{49, "access_denied"},
    AlertDescription{50, "decode_error"},
    AlertDescription{51, "decrypt_error"},
    AlertDescription{70, "protocol_version"},
    AlertDescription{71, "insufficient_security"},
    AlertDescription{80, "internal_error"},
    AlertDescription{86, "inappropriate_fallback"},
    AlertDescription{90, "user_canceled"},
    AlertDescription{109, "missing_extension"},
    AlertDescription{110, "unsupported_extension"},
    AlertDescription{112, "unrecognized_name"},
    AlertDescription{116, "certificate_required"},
    AlertDescription{120, "no_application_protocol"},
};

// The plaintext messages the host reports; a type outside the table (an
// encrypted one, or one it never meets in the clear) is "handshake message".
constexpr std::array kHandshakeTypes = {
    HandshakeType{1, "ClientHello"},         HandshakeType{2, "ServerHello"},
    HandshakeType{4, "NewSessionTicket"},    HandshakeType{8, "EncryptedExtensions"},
    HandshakeType{11, "Certificate"},        HandshakeType{12, "ServerKeyExchange"},
    HandshakeType{13, "CertificateRequest"}, HandshakeType{14, "ServerHelloDone"},
    HandshakeType{15, "CertificateVerify"},  HandshakeType{16, "ClientKeyExchange"},
    HandshakeType{20, "Finished"},
};

}  // namespace

std::span<const AlertDescription> all_alert_descriptions() {
  return kAlerts;
}

std::string alert_name(uint8_t description) {
  for (const auto& a : kAlerts) {
    if (a.number == description) return std::string(a.name);
  }
  return fmt::format("alert {}", description);
}

int alert_number(std::string_view name) {
  for (const auto& a : kAlerts) {
    if (a.name == name) return a.number;
  }
  return -1;
}

std::span<const HandshakeType> all_handshake_types() {
  return kHandshakeTypes;
}

const char* handshake_type_name(int type) {
  for (const auto& t : kHandshakeTypes) {
    if (t.number == type) return t.name.data();  // the literals are NUL-terminated
  }
  return "handshake message";
}

}  // namespace shakedown::tls
