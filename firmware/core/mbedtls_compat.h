#pragma once
// The one place where the core tells Mbed TLS lines apart (2.28 LTS and
// 3.x). Everything else in the core is written once against both.

#include <mbedtls/ssl.h>
#include <mbedtls/version.h>

#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

namespace shakedown::core::compat {

// 3.x routes some of TLS through PSA, which must be initialised first.
// Returns 0, or the PSA status as a negative code.
inline int init_crypto() {
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
  return static_cast<int>(psa_crypto_init());
#else
  return 0;
#endif
}

// The handshake state machine's current state; 3.x made the field private.
inline int handshake_state(const mbedtls_ssl_context& ssl) {
#if MBEDTLS_VERSION_MAJOR >= 3
  return static_cast<int>(ssl.MBEDTLS_PRIVATE(state));
#else
  return static_cast<int>(ssl.state);
#endif
}

}  // namespace shakedown::core::compat
