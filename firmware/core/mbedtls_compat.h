#pragma once
// The one place where the core tells Mbed TLS lines apart (2.28 LTS and
// 3.x). Everything else in the core is written once against both.

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#include "shakedown/core/client.h"

namespace shakedown::core::compat {

// 3.x routes some of TLS through PSA, which must be initialised first and
// freed after, so the heap is empty between sessions. Returns 0, or the PSA
// status as a negative code.
inline int init_crypto() {
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
  return static_cast<int>(psa_crypto_init());
#else
  return 0;
#endif
}

inline void free_crypto() {
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
  mbedtls_psa_crypto_free();
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

// The description of the alert just read: valid when a call has returned
// MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, the record still in the input
// buffer. Mbed TLS has no accessor; after the handshake the alert is
// encrypted, so the record watch cannot see it.
inline uint8_t received_alert_description(const mbedtls_ssl_context& ssl) {
#if MBEDTLS_VERSION_MAJOR >= 3
  return ssl.MBEDTLS_PRIVATE(in_msg)[1];
#else
  return ssl.in_msg[1];
#endif
}

// The hash of a certificate's signature, e.g. "SHA256"; "" when unknown.
inline const char* signature_md_name(const mbedtls_x509_crt& crt) {
#if MBEDTLS_VERSION_MAJOR >= 3
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(crt.MBEDTLS_PRIVATE(sig_md));
#else
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(crt.sig_md);
#endif
  const char* name = md != nullptr ? mbedtls_md_get_name(md) : nullptr;
  return name != nullptr ? name : "";
}

// 3.x's key parser takes the RNG (for blinding).
inline int parse_key(mbedtls_pk_context& pk, std::span<const uint8_t> key, int (*rng)(void*, unsigned char*, size_t),
                     void* rng_ctx) {
#if MBEDTLS_VERSION_MAJOR >= 3
  return mbedtls_pk_parse_key(&pk, key.data(), key.size(), nullptr, 0, rng, rng_ctx);
#else
  (void)rng, (void)rng_ctx;
  return mbedtls_pk_parse_key(&pk, key.data(), key.size(), nullptr, 0);
#endif
}

// Restricts the versions the client offers. Returns 0, or
// MBEDTLS_ERR_SSL_BAD_INPUT_DATA for a version this line lacks.
inline int set_version_range(mbedtls_ssl_config& conf, TlsVersion min, TlsVersion max) {
#if MBEDTLS_VERSION_MAJOR >= 3
  auto to_line = [](TlsVersion v, mbedtls_ssl_protocol_version& out) {
    switch (v) {
      case TlsVersion::kTls1_2: out = MBEDTLS_SSL_VERSION_TLS1_2; return true;
      case TlsVersion::kTls1_3: out = MBEDTLS_SSL_VERSION_TLS1_3; return true;
      default: return false;
    }
  };
  mbedtls_ssl_protocol_version v{};
  if (min != TlsVersion::kDefault) {
    if (!to_line(min, v)) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    mbedtls_ssl_conf_min_tls_version(&conf, v);
  }
  if (max != TlsVersion::kDefault) {
    if (!to_line(max, v)) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    mbedtls_ssl_conf_max_tls_version(&conf, v);
  }
#else
  auto minor = [](TlsVersion v) {
    switch (v) {
      case TlsVersion::kTls1_0: return MBEDTLS_SSL_MINOR_VERSION_1;
      case TlsVersion::kTls1_1: return MBEDTLS_SSL_MINOR_VERSION_2;
      case TlsVersion::kTls1_2: return MBEDTLS_SSL_MINOR_VERSION_3;
      default: return -1;
    }
  };
  if (min != TlsVersion::kDefault) {
    if (minor(min) < 0) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, minor(min));
  }
  if (max != TlsVersion::kDefault) {
    if (minor(max) < 0) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, minor(max));
  }
#endif
  return 0;
}

// The pre-shared key and its identity, as an application sets them. 2.28
// has the call with a TLS 1.2 PSK key exchange, 3.x also with TLS 1.3's PSK
// modes (which mbedtls_ssl_config_defaults already allows, as ssl_client2
// leaves them); without either it is missing, and this is
// MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE.
inline int conf_psk(mbedtls_ssl_config& conf, std::span<const uint8_t> key, std::string_view identity) {
#if defined(MBEDTLS_KEY_EXCHANGE_SOME_PSK_ENABLED) || defined(MBEDTLS_SSL_HANDSHAKE_WITH_PSK_ENABLED)
  return mbedtls_ssl_conf_psk(&conf, key.data(), key.size(), reinterpret_cast<const unsigned char*>(identity.data()),
                              identity.size());
#else
  (void)conf, (void)key, (void)identity;
  return MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE;
#endif
}

}  // namespace shakedown::core::compat
