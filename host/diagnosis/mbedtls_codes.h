#pragma once
// The Mbed TLS error code parts the rules read (magnitudes of the negative
// codes). Identical on 2.28 and 3.6; names as in the Mbed TLS headers.

#include <cstdint>

namespace shakedown::diagnosis::codes {

constexpr uint32_t kNetConnectFailed = 0x0044;       // MBEDTLS_ERR_NET_CONNECT_FAILED
constexpr uint32_t kNetConnReset = 0x0050;           // MBEDTLS_ERR_NET_CONN_RESET
constexpr uint32_t kOidNotFound = 0x002e;            // MBEDTLS_ERR_OID_NOT_FOUND
constexpr uint32_t kX509UnknownSigAlg = 0x2600;      // MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG
constexpr uint32_t kPkInvalidPubkey = 0x3b00;        // MBEDTLS_ERR_PK_INVALID_PUBKEY
constexpr uint32_t kPkUnknownNamedCurve = 0x3a00;    // MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE
constexpr uint32_t kSslTimeout = 0x6800;             // MBEDTLS_ERR_SSL_TIMEOUT
constexpr uint32_t kSslBadInputData = 0x7100;        // MBEDTLS_ERR_SSL_BAD_INPUT_DATA
constexpr uint32_t kSslInvalidRecord = 0x7200;       // MBEDTLS_ERR_SSL_INVALID_RECORD
constexpr uint32_t kSslConnEof = 0x7280;             // MBEDTLS_ERR_SSL_CONN_EOF
constexpr uint32_t kSslFatalAlert = 0x7780;          // MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE
constexpr uint32_t kSslBadProtocolVersion = 0x6e80;  // MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION
constexpr uint32_t kX509CertVerifyFailed = 0x2700;   // MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
constexpr uint32_t kSslFeatureUnavailable = 0x7080;  // MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE
// MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME (3.6.3 and later).
constexpr uint32_t kSslVerifyWithoutHostname = 0x5d80;

// The *_ALLOC_FAILED codes of the modules a handshake allocates in.
constexpr uint32_t kSslAllocFailed = 0x7f00;   // MBEDTLS_ERR_SSL_ALLOC_FAILED
constexpr uint32_t kX509AllocFailed = 0x2880;  // MBEDTLS_ERR_X509_ALLOC_FAILED
constexpr uint32_t kPkAllocFailed = 0x3f80;    // MBEDTLS_ERR_PK_ALLOC_FAILED
constexpr uint32_t kEcpAllocFailed = 0x4d80;   // MBEDTLS_ERR_ECP_ALLOC_FAILED
constexpr uint32_t kMpiAllocFailed = 0x0010;   // MBEDTLS_ERR_MPI_ALLOC_FAILED
// PSA statuses (Mbed TLS 3.x, psa/crypto_values.h), outside the high/low scheme.
constexpr uint32_t kPsaInsufficientMemory = 0x008d;   // PSA_ERROR_INSUFFICIENT_MEMORY (-141)
constexpr uint32_t kPsaInsufficientEntropy = 0x0094;  // PSA_ERROR_INSUFFICIENT_ENTROPY (-148)

// MBEDTLS_X509_BADCERT_* bits.
constexpr uint32_t kBadCertExpired = 0x01;
constexpr uint32_t kBadCertCnMismatch = 0x04;
constexpr uint32_t kBadCertNotTrusted = 0x08;
constexpr uint32_t kBadCertFuture = 0x0200;
constexpr uint32_t kBadCertBadMd = 0x4000;
constexpr uint32_t kBadCertBadKey = 0x10000;  // a key the verify profile refuses (RSA too short, a curve it lacks)

// TLS alert descriptions.
constexpr uint8_t kAlertBadRecordMac = 20;
constexpr uint8_t kAlertIllegalParameter = 47;
constexpr uint8_t kAlertProtocolVersion = 70;
constexpr uint8_t kAlertUnrecognizedName = 112;
constexpr uint8_t kAlertUnknownPskIdentity = 115;
constexpr uint8_t kAlertCertificateRequired = 116;

}  // namespace shakedown::diagnosis::codes
