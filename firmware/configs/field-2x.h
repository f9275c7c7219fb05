/* Profile field-2x: the configuration of the device in the field report.
 *
 * A CubeMX project on Mbed TLS 2.x, trimmed for RAM: two ECDHE-ECDSA suites,
 * no SHA-1, bignums for RSA-2048 at most, 2 KB records. Each trim is one of
 * the failures in scenarios/field/. A user-config delta over the line's
 * defaults (MBEDTLS_USER_CONFIG_FILE); keep it to options both lines know.
 */

/* Only the two suites the field device offered (c02b, c02c). */
#define MBEDTLS_SSL_CIPHERSUITES                         \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,     \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384

/* No SHA-1: a root signed with sha1WithRSAEncryption no longer parses.
 * 2.28 enables TLS 1.0 and 1.1 by default, which need SHA-1: off too
 * (3.6 has neither option). */
#undef MBEDTLS_SHA1_C
#undef MBEDTLS_SSL_PROTO_TLS1
#undef MBEDTLS_SSL_PROTO_TLS1_1
#undef MBEDTLS_SSL_CBC_RECORD_SPLITTING  /* 2.28: only for TLS 1.0 */

/* 256-byte bignums: RSA keys up to 2048 bits. */
#define MBEDTLS_MPI_MAX_SIZE 256

/* 2 KB records each way instead of 16 KB. */
#define MBEDTLS_SSL_IN_CONTENT_LEN  2048
#define MBEDTLS_SSL_OUT_CONTENT_LEN 2048

/* The field device spoke TLS 1.2 only (Mbed TLS 2.x has no TLS 1.3 client). */
#undef MBEDTLS_SSL_PROTO_TLS1_3
