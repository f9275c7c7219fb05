#include "shakedown/core/build_facts.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>

namespace shakedown::core {
namespace {

// 3.x says "usable for signatures" with MBEDTLS_MD_CAN_*; 2.28 with the
// module macros.
#if defined(MBEDTLS_MD_CAN_SHA1) || defined(MBEDTLS_SHA1_C)
constexpr bool kSha1 = true;
#else
constexpr bool kSha1 = false;
#endif
#if defined(MBEDTLS_MD_CAN_SHA256) || defined(MBEDTLS_SHA256_C)
constexpr bool kSha256 = true;
#else
constexpr bool kSha256 = false;
#endif
#if defined(MBEDTLS_MD_CAN_SHA384) || (defined(MBEDTLS_SHA512_C) && !defined(MBEDTLS_SHA512_NO_SHA384))
constexpr bool kSha384 = true;
#else
constexpr bool kSha384 = false;
#endif
#if defined(MBEDTLS_RSA_C)
constexpr bool kRsa = true;
#else
constexpr bool kRsa = false;
#endif
#if defined(MBEDTLS_ECDSA_C)
constexpr bool kEcdsa = true;
#else
constexpr bool kEcdsa = false;
#endif
#if defined(MBEDTLS_SSL_PROTO_TLS1_2)
constexpr bool kTls12 = true;
#else
constexpr bool kTls12 = false;
#endif
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
constexpr bool kTls13 = true;
#else
constexpr bool kTls13 = false;
#endif

// 2.x caps both buffers with MBEDTLS_SSL_MAX_CONTENT_LEN; 3.x dropped the
// option (a 2.x config carried over may still set it, to no effect).
#if MBEDTLS_VERSION_MAJOR < 3
constexpr size_t kMaxContentLen = MBEDTLS_SSL_MAX_CONTENT_LEN;
#else
constexpr size_t kMaxContentLen = 0;
#endif

std::span<const int> suite_list() {
  const int* list = mbedtls_ssl_list_ciphersuites();
  size_t n = 0;
  while (list[n] != 0) ++n;
  return {list, n};
}

}  // namespace

const BuildFacts& build_facts() {
  static const BuildFacts facts{
      .mbedtls_version = MBEDTLS_VERSION_STRING,
      .mbedtls_line = SHAKEDOWN_MBEDTLS_LINE,
      .profile = SHAKEDOWN_PROFILE_NAME,
      .profile_hash = SHAKEDOWN_PROFILE_HASH,
      .mpi_max_size = MBEDTLS_MPI_MAX_SIZE,
      .in_content_len = MBEDTLS_SSL_IN_CONTENT_LEN,
      .out_content_len = MBEDTLS_SSL_OUT_CONTENT_LEN,
      .max_content_len = kMaxContentLen,
      .sha1 = kSha1,
      .sha256 = kSha256,
      .sha384 = kSha384,
      .rsa = kRsa,
      .ecdsa = kEcdsa,
      .tls1_2 = kTls12,
      .tls1_3 = kTls13,
      .ciphersuites = suite_list(),
  };
  return facts;
}

}  // namespace shakedown::core
