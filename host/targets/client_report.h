#pragma once
// The host's view of what a target reported for one handshake: the core's
// HandshakeReport and BuildFacts, as they arrive from any target.

#include <cstdint>
#include <string>
#include <vector>

namespace shakedown::targets {

struct ClientReport {
  std::string stage;  // setup, load-trust, connect, handshake, done
  int32_t result = 0;
  std::string result_name;  // "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + MBEDTLS_ERR_OID_NOT_FOUND"
  std::string result_text;
  std::string failed_call;
  int handshake_state = 0;
  uint32_t verify_flags = 0;
  std::string version;
  std::string suite;
  uint16_t suite_id = 0;
  std::vector<uint16_t> offered_suites;
  uint32_t duration_ms = 0;

  bool passed() const { return stage == "done" && result == 0; }
  // Mbed TLS's high-level (0x1000..0x7f80) and low-level (0x01..0x7f) parts.
  uint32_t high_part() const { return result < 0 ? (static_cast<uint32_t>(-result) & 0x7f80u) : 0; }
  uint32_t low_part() const { return result < 0 ? (static_cast<uint32_t>(-result) & 0x7fu) : 0; }
};

struct BuildFacts {
  std::string mbedtls_version;
  std::string mbedtls_line;
  std::string profile;
  std::string profile_hash;
  size_t mpi_max_size = 0;
  size_t in_content_len = 0;
  size_t out_content_len = 0;
  bool sha1 = false, sha256 = false, sha384 = false;
  bool rsa = false, ecdsa = false;
  bool tls1_2 = false, tls1_3 = false;
  std::vector<uint16_t> ciphersuites;
};

// "-0x0050" for -80, "0" for 0.
std::string format_code(int32_t code);

}  // namespace shakedown::targets
