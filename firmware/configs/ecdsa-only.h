/* Profile ecdsa-only: a device built for one ECDSA endpoint with RSA left
 * out altogether, as the ECC-only examples of vendor SDKs ship (an
 * ECDHE-ECDSA suite list, no RSA module, no PKCS#1): RSA costs several KB of
 * flash. Such a device cannot even parse a CA certificate signed with RSA:
 * the signature algorithm is unknown to its build. A user-config delta over
 * the line's defaults; both lines know these options (3.6 has no RSA-PSK
 * suites' 2.x names, and #undef of an unknown name is harmless). */
#define MBEDTLS_SSL_CIPHERSUITES                         \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,     \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384

#undef MBEDTLS_RSA_C
#undef MBEDTLS_PKCS1_V15
#undef MBEDTLS_PKCS1_V21
#undef MBEDTLS_X509_RSASSA_PSS_SUPPORT
#undef MBEDTLS_GENPRIME

/* Every key exchange that needs an RSA key goes with it. */
#undef MBEDTLS_KEY_EXCHANGE_RSA_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_DHE_RSA_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_RSA_PSK_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_ECDH_RSA_ENABLED

/* 2.28 enables TLS 1.0 and 1.1 by default; the device speaks TLS 1.2. */
#undef MBEDTLS_SSL_PROTO_TLS1
#undef MBEDTLS_SSL_PROTO_TLS1_1
#undef MBEDTLS_SSL_CBC_RECORD_SPLITTING
#undef MBEDTLS_SSL_PROTO_TLS1_3
