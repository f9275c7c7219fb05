#pragma once
// Cipher suites by IANA id, with their IANA and OpenSSL names: every id the
// test servers' OpenSSL (Debian's 3.0) knows, signalling values included, as
// a plain table (servers' capture_test checks it against OpenSSL itself).

#include <cstdint>
#include <span>
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

}  // namespace shakedown::tls
