/* Profile field-fixed: field-2x with each failure of scenarios/field/ fixed,
 * one line per fix, still as small as the device allows. */

/* The device's two suites, plus the one the cloud server insists on. */
#define MBEDTLS_SSL_CIPHERSUITES                         \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,     \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,     \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

/* SHA-1 stays on (the default): the server's root is signed with SHA-1. */

/* 512-byte bignums: RSA keys up to 4096 bits. */
#define MBEDTLS_MPI_MAX_SIZE 512

/* Full 16 KB incoming records: the server's chain does not fit in 2 KB.
 * Outgoing records stay small; the device only sends short messages. */
#define MBEDTLS_SSL_IN_CONTENT_LEN  16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 2048

#undef MBEDTLS_SSL_PROTO_TLS1_3
