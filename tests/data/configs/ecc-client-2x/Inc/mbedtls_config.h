/* Test data: a full Mbed TLS 2.x config (MBEDTLS_CONFIG_FILE) in the shape of
 * the ECC-only TLS client examples that vendor SDKs ship inside their CubeMX
 * projects (Projects/<board>/Applications/.../Inc/mbedtls_config.h),
 * written for these tests. What such a device leaves out, each a path the
 * importer must handle:
 *  - RSA altogether (no MBEDTLS_RSA_C, no PKCS#1): ECDHE-ECDSA suites only;
 *  - the platform layer, except when the project's LCD logging is on;
 *  - time (no MBEDTLS_HAVE_TIME) and error strings (no MBEDTLS_ERROR_C);
 *  - 2.x's MBEDTLS_SSL_MAX_CONTENT_LEN sets both record buffers to 2 KB;
 *  - bignums of 48 bytes: enough for P-384, not for any RSA key. */
#ifndef MBEDTLS_CONFIG_H
#define MBEDTLS_CONFIG_H

/* System support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_NO_UDBL_DIVISION
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_AES_ROM_TABLES

/* TLS 1.2 with ECDHE-ECDSA on the two NIST curves the server may use */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_SSL_SERVER_NAME_INDICATION

/* Modules */
#define MBEDTLS_AES_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_GCM_C
#define MBEDTLS_MD_C
#define MBEDTLS_NET_C
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* RAM: small bignums, small windows, one suite list, 2 KB records */
#define MBEDTLS_MPI_MAX_SIZE 48
#define MBEDTLS_ECP_MAX_BITS 384
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ENTROPY_MAX_SOURCES 2
#define MBEDTLS_SSL_CIPHERSUITES                     \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
#define MBEDTLS_SSL_MAX_CONTENT_LEN 2048

#ifdef USE_LCD
#include "lcd_log.h"
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_PRINTF_MACRO LCD_UsrLog
#endif

#include "mbedtls/check_config.h"

#endif /* MBEDTLS_CONFIG_H */
