#pragma once
// Cipher suites by IANA id, with their IANA and OpenSSL names: every id the
// test servers' OpenSSL (Debian's 3.0) knows, signalling values included, as
// a plain table (servers' capture_test checks it against OpenSSL itself).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace shakedown::tls {

struct CipherSuite {
  uint16_t id = 0;
  std::string_view openssl_name;  // "ECDHE-RSA-AES256-GCM-SHA384"
  std::string_view iana_name;     // "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"; empty where OpenSSL has none (GOST)
  bool signalling = false;        // an SCSV (RFC 5746, RFC 7507): a signal, not a suite
};

// Every suite in the table, ordered by id.
std::span<const CipherSuite> all_cipher_suites();

// The row for `id`; nullptr for an id the table lacks.
const CipherSuite* cipher_suite(uint16_t id);

// TLS_EMPTY_RENEGOTIATION_INFO_SCSV and TLS_FALLBACK_SCSV.
bool is_signalling_suite(uint16_t id);

// A TLS 1.3 suite: IANA assigns them 0x13XX (RFC 8446, B.4).
constexpr bool is_tls13_suite(uint16_t id) {
  return (id >> 8) == 0x13;
}

// Mbed TLS's name for a suite: IANA's with '-' for '_', and TLS 1.3's
// "TLS_" as "TLS1-3-" ("TLS1-3-AES-128-GCM-SHA256"), and RFC 6655's
// PSK_DHE as DHE-PSK; empty for a signalling
// value or a suite without an IANA name. (tls_test checks the rule against
// every suite the simulator builds list.)
std::string mbedtls_suite_name(const CipherSuite& suite);

// One suite in any of the four ways people write it: its IANA id ("c02b",
// "0xc02b", "0xC0,0x2B"), its IANA/RFC name, OpenSSL's name or Mbed TLS's;
// names match whatever their case. nullopt when it is none of these.
std::optional<uint16_t> parse_cipher_suite(std::string_view text);

// How every output names a suite: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
// (0xc02f)", or the id alone for one the table lacks.
std::string describe_suite(uint16_t id);

}  // namespace shakedown::tls
