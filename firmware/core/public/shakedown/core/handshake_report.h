#pragma once
// HandshakeReport: everything the core learned from one handshake attempt,
// in fixed-size fields so it fits a firmware stack and the device protocol.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "shakedown/core/transport.h"

namespace shakedown::core {

// Where a run ended. A later stage means the run got further; kExchange,
// which lies between kHandshake and kDone, came later and keeps the next
// number so that the device protocol's values stay as they were.
enum class Stage : uint8_t {
  kSetup,      // seeding the generator, applying options
  kLoadTrust,  // parsing the CA certificates (and the client's own)
  kConnect,    // opening the transport
  kHandshake,  // mbedtls_ssl_handshake
  kDone,       // handshake complete, and the first exchange if one was asked
  kExchange,   // the handshake completed; the first request or its reply failed
};

std::string_view stage_name(Stage stage);

// A TLS alert as seen on the wire (plaintext alerts only: after
// ChangeCipherSpec they are encrypted and counted, not read).
struct Alert {
  uint8_t level = 0;        // 1 warning, 2 fatal
  uint8_t description = 0;  // e.g. 40 handshake_failure
};

// One direction of the connection, counted from the bytes the transport moved.
struct Traffic {
  uint32_t bytes = 0;
  uint32_t records = 0;
  uint32_t largest_record = 0;          // payload length of the largest record
  uint8_t largest_content_type = 0;     // 22 handshake, 21 alert, 23 data
  int16_t largest_handshake_type = -1;  // its first handshake message, if plaintext
};

// One certificate of the server's chain, as the client's verification saw it.
struct PeerCertificate {
  uint8_t depth = 0;  // 0 the leaf
  char subject[96] = {};
  char issuer[96] = {};
  char key_type[12] = {};  // "RSA", "EC"
  uint16_t key_bits = 0;
  char signature_md[12] = {};  // "SHA256"
  uint32_t verify_flags = 0;   // this certificate's MBEDTLS_X509_BADCERT_* bits
};

struct HandshakeReport {
  static constexpr size_t kMaxSuites = 64;
  static constexpr size_t kMaxAlerts = 4;
  static constexpr size_t kMaxPeerCertificates = 4;

  Stage stage = Stage::kSetup;
  // 0, or the negative code `failed_call` returned at `stage`.
  int32_t result = 0;
  // The Mbed TLS call that returned `result`, e.g. "mbedtls_ssl_handshake".
  const char* failed_call = "";
  // Mbed TLS composes a high-level module code with a low-level one:
  // -0x262e = 0x2600 (X509 unknown sig alg) + 0x002e (OID not found).
  uint16_t result_high = 0;
  uint16_t result_low = 0;
  // The whole name, parts joined by " + ", and mbedtls_strerror's text.
  char result_name[112] = {};
  char result_text[160] = {};

  // The handshake state machine's last state ("client state: N" in the log).
  int handshake_state = 0;
  // mbedtls_ssl_get_verify_result: the chain's MBEDTLS_X509_BADCERT_* bits.
  uint32_t verify_flags = 0;
  // Certificates in the client's trust list that did not parse.
  uint8_t trust_parse_failures = 0;

  // Negotiated, when the handshake completed (kDone, kExchange): e.g. "TLSv1.2",
  // "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384" with its IANA id, and the
  // key exchange group's IANA id (0x0017 secp256r1; 0 when unknown).
  char version[16] = {};
  char suite[64] = {};
  uint16_t suite_id = 0;
  uint16_t group_id = 0;

  // The suites this client's ClientHello carried, read back from the bytes
  // it sent (signalling values such as 0x00ff included).
  uint16_t offered_suites[kMaxSuites] = {};
  size_t offered_suite_count = 0;

  Alert alerts_sent[kMaxAlerts] = {};
  size_t alerts_sent_count = 0;
  Alert alerts_received[kMaxAlerts] = {};
  size_t alerts_received_count = 0;

  PeerCertificate peer_chain[kMaxPeerCertificates] = {};
  size_t peer_chain_count = 0;

  Traffic sent;
  Traffic received;

  uint32_t heap_peak = 0;    // bytes of Mbed TLS heap at the handshake's peak
  uint32_t heap_budget = 0;  // the budget it ran under
  uint32_t duration_ms = 0;  // connect to end of handshake
  uint32_t reply_bytes = 0;  // of the first exchange's reply
  // Why the transport's connect failed (stage kConnect); kOk otherwise.
  IoStatus connect_status = IoStatus::kOk;
};

}  // namespace shakedown::core
