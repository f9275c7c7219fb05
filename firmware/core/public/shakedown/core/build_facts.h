#pragma once
// BuildFacts: the effective Mbed TLS configuration this core was built with,
// read from the config macros after the profile and platform deltas applied.
// Diagnosis joins these with what the client and the server saw.

#include <cstddef>
#include <cstdint>
#include <span>

namespace shakedown::core {

struct BuildFacts {
  const char* mbedtls_version;  // "3.6.6"
  const char* mbedtls_line;     // "3.6"
  const char* profile;          // "field-2x"
  const char* profile_hash;     // first 16 hex digits of the profile's SHA-256
  size_t mpi_max_size;          // MBEDTLS_MPI_MAX_SIZE, bytes
  size_t in_content_len;        // MBEDTLS_SSL_IN_CONTENT_LEN
  size_t out_content_len;       // MBEDTLS_SSL_OUT_CONTENT_LEN
  size_t max_content_len;       // 2.x: MBEDTLS_SSL_MAX_CONTENT_LEN, which caps both; 0 on 3.x
  bool sha1;                    // SHA-1 usable for certificate signatures
  bool sha256;
  bool sha384;
  bool rsa;
  bool ecdsa;
  bool tls1_2;
  bool tls1_3;
  std::span<const int> ciphersuites;  // the build's suite list, preference order
};

const BuildFacts& build_facts();

}  // namespace shakedown::core
