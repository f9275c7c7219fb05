#pragma once
// HandshakeReport: everything the core learned from one handshake attempt,
// in fixed-size fields so it fits a firmware stack and a device frame.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shakedown::core {

// Where a run ended. Ordered: a later stage means the run got further.
enum class Stage : uint8_t {
  kSetup,      // seeding the generator, applying options
  kLoadTrust,  // parsing the CA certificates
  kConnect,    // opening the transport
  kHandshake,  // mbedtls_ssl_handshake
  kDone,       // handshake complete
};

std::string_view stage_name(Stage stage);

struct HandshakeReport {
  static constexpr size_t kMaxSuites = 64;

  Stage stage = Stage::kSetup;
  // 0, or the negative code `failed_call` returned at `stage`.
  int32_t result = 0;
  // The Mbed TLS call that returned `result`, e.g. "mbedtls_ssl_handshake".
  const char* failed_call = "";
  // Symbolic name, the high and low parts joined by " + " when both are set,
  // e.g. "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + MBEDTLS_ERR_OID_NOT_FOUND".
  char result_name[112] = {};
  // mbedtls_strerror's text for `result`.
  char result_text[160] = {};

  // The handshake state machine's last state ("client state: N" in the log).
  int handshake_state = 0;
  // mbedtls_ssl_get_verify_result once the server's chain was checked.
  uint32_t verify_flags = 0;

  // Negotiated, when stage is kDone: e.g. "TLSv1.2",
  // "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384" and its IANA id.
  char version[16] = {};
  char suite[64] = {};
  uint16_t suite_id = 0;

  // The suites this client's ClientHello carried, read back from the bytes
  // it sent (signalling values such as 0x00ff included).
  uint16_t offered_suites[kMaxSuites] = {};
  size_t offered_suite_count = 0;

  uint32_t duration_ms = 0;  // connect to end of handshake
};

}  // namespace shakedown::core
