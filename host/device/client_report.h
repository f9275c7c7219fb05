#pragma once
// What a device reported for one handshake, and what its build is, as the
// host holds them: decoded from the device protocol (device_client.cc), the
// same whatever the target.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "network_state.h"
#include "shakedown/tls/stage.h"

namespace shakedown::device {

struct AlertSeen {
  uint8_t level = 0;
  uint8_t description = 0;
};

struct PeerCertificate {
  int depth = 0;
  std::string subject;
  std::string issuer;
  std::string key_type;
  int key_bits = 0;
  std::string signature_md;
  uint32_t verify_flags = 0;
};

// What the host dropped of a device's output past its caps (device_client.h):
// never silent, it goes into the report.
struct Dropped {
  uint32_t log_lines = 0;
  uint64_t log_bytes = 0;
  uint32_t peer_certificates = 0;

  bool any() const { return log_lines != 0 || peer_certificates != 0; }
};

struct ClientReport {
  // The stage reached: setup .. done; or exchange: the handshake completed
  // and the first exchange after it failed. Reports print tls::stage_name.
  tls::Stage stage = tls::Stage::kSetup;
  int32_t result = 0;
  std::string result_name;  // "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + MBEDTLS_ERR_OID_NOT_FOUND"
  std::string result_text;
  std::string failed_call;
  int handshake_state = 0;
  uint32_t verify_flags = 0;
  int trust_parse_failures = 0;
  std::string version;
  std::string suite;
  uint16_t suite_id = 0;
  uint16_t group_id = 0;
  std::vector<uint16_t> offered_suites;
  std::vector<AlertSeen> alerts_sent;
  std::vector<AlertSeen> alerts_received;
  std::vector<PeerCertificate> peer_chain;  // leaf first
  uint32_t bytes_sent = 0;
  uint32_t bytes_received = 0;
  uint32_t records_sent = 0;
  uint32_t records_received = 0;
  uint32_t largest_record_received = 0;
  uint8_t largest_record_type = 0;
  int largest_record_handshake_type = -1;
  uint32_t heap_peak = 0;
  uint32_t heap_budget = 0;
  uint32_t duration_ms = 0;
  uint32_t stack_peak = 0;              // bytes; 0: the target does not measure it
  std::optional<uint32_t> reply_bytes;  // of the first exchange's reply; none without an exchange
  Dropped dropped;                      // by the host, past its caps
  // What the device says it sent around the report, for the host to check
  // against what arrived (none from agents that predate the counts): a
  // frame lost or repeated on the link changes the chain or the log.
  std::optional<uint32_t> peer_certificates_sent;
  std::optional<uint32_t> log_lines_sent;
  uint32_t log_lines_received = 0;  // kLog frames of the connect request that arrived
  // Why the device's transport could not connect ("refused", "no-link", ...),
  // from agents that say; empty otherwise.
  std::string connect_failure;
  // The device's network as the handshake ended, from ports that report it.
  std::optional<NetworkState> network;

  // The device log is short of (or beyond) what the device sent.
  bool log_incomplete() const { return log_lines_sent && *log_lines_sent != log_lines_received; }

  bool handshake_completed() const { return tls::handshake_completed(stage); }

  bool passed() const { return stage == tls::Stage::kDone && result == 0; }
  // Mbed TLS's high-level (0x1000..0x7f80) and low-level (0x01..0x7f) parts.
  uint32_t high_part() const { return result < 0 ? (static_cast<uint32_t>(-result) & 0x7f80u) : 0; }
  uint32_t low_part() const { return result < 0 ? (static_cast<uint32_t>(-result) & 0x7fu) : 0; }
};

// The build's effective configuration, from its banner.
struct BuildFacts {
  std::string target;
  std::string build_id;
  std::string mbedtls_version;
  std::string mbedtls_line;
  std::string profile;
  std::string profile_hash;
  std::string entropy;
  size_t heap_capacity = 0;
  size_t mpi_max_size = 0;
  size_t in_content_len = 0;
  size_t out_content_len = 0;
  size_t max_content_len = 0;  // 2.x's cap on both buffers; 0: 3.x, or not known
  bool sha1 = false, sha256 = false, sha384 = false;
  bool rsa = false, ecdsa = false;
  bool tls1_2 = false, tls1_3 = false;
  std::vector<uint16_t> ciphersuites;
};

// "-0x0050" for -80, "0" for 0.
std::string format_code(int32_t code);

// Names of the MBEDTLS_X509_BADCERT_* bits set in `flags`, e.g.
// {"MBEDTLS_X509_BADCERT_FUTURE"}; stable across Mbed TLS lines.
std::vector<std::string> verify_flag_names(uint32_t flags);

}  // namespace shakedown::device
