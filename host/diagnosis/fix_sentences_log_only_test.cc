// Fix sentences, log-only rules (`shakedown explain`): what a device's log
// alone shows, with the version macros and calls of each line, the SHA-1
// macro, MBEDTLS_MPI_MAX_SIZE and the input buffer size.

#include <catch2/catch.hpp>

#include "fix_sentences_test_support.h"

namespace shakedown::diagnosis::fix_rows {
namespace {

using namespace codes;

// What a log shows of the records the client read.
void records_read(Fixture& f, uint32_t magnitude, uint32_t largest, int state = 3) {
  from_log(f);
  fail(f, magnitude, state);
  f.client.records_received = 5;
  f.client.largest_record_received = largest;
}

const Row kLogOnly[] = {
    {.name = "log: an allocation failed",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           from_log(f);
           fail(f, kSslAllocFailed, 3);
         },
     .id = FindingId::kHeapExhausted,
     .summary = {"an allocation failed in mbedtls_ssl_handshake (-0x7f00)."},
     .fix = "Give Mbed TLS more heap (its peak on a passing handshake, measured with `shakedown run`), or shrink "
            "MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN in firmware/configs/field.h."},
    {.name = "log: a trusted CA with an unknown signature hash",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           from_log(f);
           fail(f, kX509UnknownSigAlg + kOidNotFound, 0, tls::Stage::kLoadTrust);
         },
     .id = FindingId::kCaSignatureHashDisabled,
     .summary = {"most often a SHA-1 root with MBEDTLS_SHA1_C off"},
     .fix = "Enable the CA's signature hash in firmware/configs/field.h (#define MBEDTLS_SHA1_C for a SHA-1 root), or "
            "better, trust a root signed with SHA-256."},
    {.name = "log: an RSA-4096 server key, its size shown",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           from_log(f);
           fail(f, kPkInvalidPubkey, 3);
           f.client.peer_chain = {peer(0, "CN=leaf", "CN=root", 0, "sha256", 4096)};
         },
     .id = FindingId::kRsaKeyTooLargeForMpi,
     .summary = {"rejects the RSA key of the server's certificate", "(an RSA-4096 key needs 512 bytes)"},
     .fix = "#define MBEDTLS_MPI_MAX_SIZE 512 in firmware/configs/field.h (the default 1024 fits RSA-8192)."},
    {.name = "log: a trusted CA's RSA key, its size not shown",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           from_log(f);
           fail(f, kPkInvalidPubkey, 0, tls::Stage::kLoadTrust);
           f.build.mpi_max_size = 0;
         },
     .id = FindingId::kRsaKeyTooLargeForMpi,
     .summary = {"rejects the RSA key of a trusted CA certificate", "(an RSA-4096 key needs 512 bytes)"},
     .fix = "#define MBEDTLS_MPI_MAX_SIZE 512 in firmware/configs/field.h (the default 1024 fits RSA-8192)."},
    {.name = "log: max fragment length asked, a larger record, its size shown",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           records_read(f, kSslBadInputData, 2807);
           f.log->client_hello = servers::ClientHelloCapture{.legacy_version = 0x0303, .max_fragment_length = 1024};
         },
     .id = FindingId::kMaxFragmentLengthNotHonoured,
     .summary = {"but the server sent a 2807-byte record anyway"},
     .fix = "The server does not honour max fragment length: size the input buffer for its largest record "
            "(MBEDTLS_SSL_IN_CONTENT_LEN 4096 in firmware/configs/field.h), or have the server send a shorter chain."},
    {.name = "log: max fragment length asked, a larger record, its size not shown",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           records_read(f, kSslBadInputData, 0);
           f.log->input_overflow = true;
           f.log->client_hello = servers::ClientHelloCapture{.legacy_version = 0x0303, .max_fragment_length = 1024};
         },
     .id = FindingId::kMaxFragmentLengthNotHonoured,
     .summary = {"but the server sent a larger record anyway"},
     .fix = "The server does not honour max fragment length: size the input buffer for its largest record "
            "(MBEDTLS_SSL_IN_CONTENT_LEN in firmware/configs/field.h), or have the server send a shorter chain."},
    {.name = "log: a record larger than the buffer, its size shown",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           records_read(f, kSslInvalidRecord, 2807);
           f.client.largest_record_handshake_type = 11;
         },
     .id = FindingId::kRecordTooLargeForInputBuffer,
     .summary = {"The server sent a 2807-byte Certificate record, larger than this build's input buffer"},
     .fix = "#define MBEDTLS_SSL_IN_CONTENT_LEN 4096 in firmware/configs/field.h; or have the server send a shorter "
            "chain."},
    {.name = "log: a record larger than the buffer, its size not shown",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           records_read(f, kSslBadInputData, 0);
           f.log->input_overflow = true;
         },
     .id = FindingId::kRecordTooLargeForInputBuffer,
     .summary = {"The server sent a too large a Certificate record"},
     .fix = "Raise MBEDTLS_SSL_IN_CONTENT_LEN in firmware/configs/field.h to the server's largest record (its "
            "Certificate message; `shakedown run` on the reproducer measures it), or have the server send a shorter "
            "chain."},
    {.name = "log: records shorter than a handshake header",
     .line = "3.6",
     .make = [](Fixture& f) { records_read(f, kSslInvalidRecord, 3); },
     .id = FindingId::kHandshakeMessageFragmented,
     .summary = {"handshake records smaller than a handshake message's 4-byte header"},
     .fix = "Have the server send each handshake message in one record; Mbed TLS 3.6 reassembles messages split over "
            "records, but no version accepts a split header."},
    {.name = "log: a message split over records",
     .line = "2.28",
     .make = [](Fixture& f) { records_read(f, kSslFeatureUnavailable, 1024); },
     .id = FindingId::kHandshakeMessageFragmented,
     .summary = {"splits a handshake message over several records, and Mbed TLS 2.28 cannot reassemble it"},
     .fix = "Have the server send each handshake message in one record; Mbed TLS 3.6 reassembles messages split over "
            "records, but no version accepts a split header."},
    {.name = "log: a SHA-1 certificate in an unverified chain",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           records_read(f, kX509CertVerifyFailed, 1800);
           f.client.verify_flags = kBadCertNotTrusted;
           f.client.peer_chain = {peer(0, "CN=leaf", "CN=root", kBadCertNotTrusted, "sha1")};
         },
     .id = FindingId::kServerCertSignatureHashRejected,
     .summary = {"The server's certificate 'CN=leaf' is signed with sha1"},
     .fix = "Have the server use a chain signed with SHA-256 or better; allowing SHA-1 in the device's verify profile "
            "(mbedtls_ssl_conf_cert_profile) weakens every connection."},
    {.name = "log: an unverified chain, the hash as second reading",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           records_read(f, kX509CertVerifyFailed, 1800);
           f.client.verify_flags = kBadCertNotTrusted;
           f.client.peer_chain = {peer(0, "CN=leaf", "CN=intermediate 1", kBadCertNotTrusted)};
         },
     .id = FindingId::kServerCertSignatureHashRejected,
     .summary = {"Or: a certificate the server sent (an intermediate, which Mbed TLS does not log)"},
     .fix = "Check the server's chain (openssl s_client -showcerts); replace any SHA-1-signed certificate.",
     .place = kAnyPlace},
    {.name = "log: certificate_required (TLS 1.3)",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           records_read(f, kSslFatalAlert, 0);
           f.client.stage = tls::Stage::kExchange;
           alert_in(f, 116);
         },
     .id = FindingId::kClientCertificateRequired,
     .summary = {"the device sent none; it answered with alert 116 (certificate_required)."},
     .fix = "Give the device a certificate and key the server's CA issued (mbedtls_ssl_conf_own_cert), or turn off "
            "client authentication on the server."},
    {.name = "log: handshake_failure after the client's flight (TLS 1.2)",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           records_read(f, kSslFatalAlert, 1800, 9);
           alert_in(f, 40);
         },
     .id = FindingId::kClientCertificateRequired,
     .summary = {"it answered with alert 40 (handshake_failure)."},
     .fix = "Give the device a certificate and key the server's CA issued (mbedtls_ssl_conf_own_cert), or turn off "
            "client authentication on the server."},
    {.name = "log: a certificate requested, a reset in the client's flight",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           records_read(f, kNetConnReset, 1800, 9);
           f.log->certificate_requested = true;
         },
     .id = FindingId::kClientCertificateRequired,
     .summary = {"the device sent none; it reset the connection."},
     .fix = "Give the device a certificate and key the server's CA issued (mbedtls_ssl_conf_own_cert), or turn off "
            "client authentication on the server."},
    {.name = "log: no certificate sent, a close at the first exchange",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           records_read(f, kSslConnEof, 1800, 0);
           f.client.stage = tls::Stage::kExchange;
           f.log->certificate_requested = f.log->sent_no_certificate = true;
         },
     .id = FindingId::kClientCertificateRequired,
     .summary = {"the device sent none; it closed the connection."},
     .fix = "Give the device a certificate and key the server's CA issued (mbedtls_ssl_conf_own_cert), or turn off "
            "client authentication on the server."},
    {.name = "log: protocol_version",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           records_read(f, kSslFatalAlert, 0, 2);
           alert_in(f, 70);
           f.log->client_hello = servers::ClientHelloCapture{.legacy_version = 0x0303};
         },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"none of the TLS versions the client offered (it offered TLS 1.0, TLS 1.1, TLS 1.2): it answered "
                 "protocol_version (70)."},
     .fix = "Make the versions overlap: enable the server's version on the device (MBEDTLS_SSL_PROTO_TLS1_1 / "
            "MBEDTLS_SSL_PROTO_TLS1_2 in firmware/configs/field.h, mbedtls_ssl_conf_min_version / "
            "mbedtls_ssl_conf_max_version), or let the server accept the device's."},
    {.name = "log: a version the client does not allow",
     .line = "3.6",
     .make = [](Fixture& f) { records_read(f, kSslBadProtocolVersion, 100, 2); },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"The server chose a TLS version the client does not allow (-0x6e80)."},
     .fix = "Make the versions overlap: enable the server's version on the device (MBEDTLS_SSL_PROTO_TLS1_2 / "
            "MBEDTLS_SSL_PROTO_TLS1_3 in firmware/configs/field.h, mbedtls_ssl_conf_min_tls_version / "
            "mbedtls_ssl_conf_max_tls_version), or let the server accept the device's."},
    {.name = "log: a version the client does not allow, the line not shown (the newest)",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           records_read(f, kSslBadProtocolVersion, 100, 2);
           f.build.mbedtls_line.clear();
         },
     .id = FindingId::kProtocolVersionMismatch,
     .fix_has = {"(MBEDTLS_SSL_PROTO_TLS1_2 / MBEDTLS_SSL_PROTO_TLS1_3 in firmware/configs/field.h, "
                 "mbedtls_ssl_conf_min_tls_version / mbedtls_ssl_conf_max_tls_version)"}},
    {.name = "log: a handshake message larger than the buffer, its size shown",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           records_read(f, kSslBadInputData, 1024);
           f.log->largest_handshake_message = 2803;
         },
     .id = FindingId::kHandshakeMessageTooLargeForInputBuffer,
     .summary = {"The server's handshake message of 2807 bytes arrives split over records"},
     .fix = "Raise MBEDTLS_SSL_IN_CONTENT_LEN in firmware/configs/field.h to 4096, or have the server send a shorter "
            "chain; a smaller max fragment length cannot save this buffer."},
    {.name = "log: a handshake message larger than the buffer, its size not shown",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           records_read(f, kSslBadInputData, 1024);
           f.log->reassembling = f.log->input_overflow = true;
         },
     .id = FindingId::kHandshakeMessageTooLargeForInputBuffer,
     .summary = {"The server's handshake message arrives split over records"},
     .fix = "Raise MBEDTLS_SSL_IN_CONTENT_LEN in firmware/configs/field.h, or have the server send a shorter chain; a "
            "smaller max fragment length cannot save this buffer."},
    {.name = "log: a certificate not yet valid, the clock not shown",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           records_read(f, kX509CertVerifyFailed, 1800);
           f.client.verify_flags = kBadCertFuture;
         },
     .id = FindingId::kCertNotYetValidClockUnset,
     .summary = {"the log does not show the clock"},
     .fix = "Set the device clock before the handshake (SNTP, or an RTC), or build without MBEDTLS_HAVE_TIME_DATE to "
            "skip validity checks, at the cost of accepting expired certificates."},
    {.name = "log: RSA-PSS offered, refused in TLS 1.2",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           records_read(f, 0x6600, 1800, 4);
           f.client.alerts_sent = {{2, 47}};
         },
     .id = FindingId::kNoSharedSignatureAlgorithm,
     .summary = {"a scheme Mbed TLS 3.6 offered but its TLS 1.2 code rejects"},
     .fix = "Have the server allow rsa_pkcs1_sha256 over TLS 1.2, or TLS 1.3; the offer-then-reject is a known Mbed "
            "TLS issue (Mbed-TLS/mbedtls#10668)."},
    // 2.28 does not offer RSA-PSS: that Mbed TLS issue is not its cause.
    {.name = "log: illegal_parameter on the ServerKeyExchange, a line without the RSA-PSS issue",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           records_read(f, 0x6600, 1800, 4);
           f.client.alerts_sent = {{2, 47}};
         },
     .id = FindingId::kUnexplained,
     .fix = kUnexplainedFix},
};

}  // namespace

std::span<const Row> log_only_rows() {
  return kLogOnly;
}

}  // namespace shakedown::diagnosis::fix_rows

TEST_CASE("fix sentences: log-only rules, each branch on each line") {
  shakedown::diagnosis::fix_rows::check_rows(shakedown::diagnosis::fix_rows::log_only_rows());
}
