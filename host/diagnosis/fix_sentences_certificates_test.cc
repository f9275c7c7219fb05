// Fix sentences, certificates: every branch of each certificate rule's fix
// (and summary), on each Mbed TLS line where the wording depends on it (the
// hash macros: SHA-384 is MBEDTLS_SHA512_C on 2.28, MBEDTLS_SHA384_C on 3.6).

#include <catch2/catch.hpp>

#include "fix_sentences_test_support.h"

namespace shakedown::diagnosis::fix_rows {
namespace {

using namespace codes;

constexpr uint32_t kTrustParseUnknownSigAlg = kX509UnknownSigAlg + kOidNotFound;  // -0x262e

// The trust list fails to load: its root is signed with `hash`, which the
// build lacks.
void root_unparsed(Fixture& f, const char* hash) {
  fail(f, kTrustParseUnknownSigAlg, 0, tls::Stage::kLoadTrust);
  f.build.sha1 = false;
  f.server.chain = {cert("root", "RSA", 2048, hash, true, std::nullopt), cert("leaf", "RSA", 2048, "sha256", false, 0)};
}

// The chain does not verify (`flags` on the client and on its leaf).
void unverified(Fixture& f, uint32_t flags, const char* leaf_md = "sha256") {
  fail(f, kX509CertVerifyFailed, 3);
  f.client.verify_flags = flags;
  f.client.peer_chain = {peer(0, "CN=leaf", "CN=root", flags, leaf_md)};
  chain(f);
}

// The server sends an intermediate signed with `hash` at position 1; the
// client's chain stops at the leaf, not trusted.
void intermediate_skipped(Fixture& f, const char* hash) {
  unverified(f, kBadCertNotTrusted);
  f.client.peer_chain = {peer(0, "CN=leaf", "CN=intermediate 1", kBadCertNotTrusted)};
  f.server.chain = {cert("root", "RSA", 2048, "sha256", true, std::nullopt),
                    cert("intermediate 1", "RSA", 2048, hash, false, 1), cert("leaf", "RSA", 2048, "sha256", false, 0)};
}

// The certificate `subject` (depth `depth`) expired; the server's chain has
// a root, an intermediate and a leaf.
void expired(Fixture& f, const char* subject, int depth) {
  unverified(f, kBadCertExpired);
  f.client.peer_chain = {peer(0, "CN=leaf", "CN=intermediate 1"), peer(1, "CN=intermediate 1", "CN=root"),
                         peer(2, "CN=root", "CN=root")};
  f.client.peer_chain[static_cast<size_t>(depth)].verify_flags = kBadCertExpired;
  f.client.peer_chain[static_cast<size_t>(depth)].subject = subject;
  f.server.chain = {cert("root", "RSA", 2048, "sha256", true, std::nullopt),
                    cert("intermediate 1", "RSA", 2048, "sha256", false, 1),
                    cert("leaf", "RSA", 2048, "sha256", false, 0)};
  for (auto& c : f.server.chain) c.not_after = "2025-01-01 00:00:00 UTC";
}

// The hostname does not match the leaf's names.
void mismatch(Fixture& f, const char* hostname) {
  unverified(f, kBadCertCnMismatch);
  f.setup.hostname = hostname;
}

const Row kCertificates[] = {
    // ---- ca_signature_hash_disabled ----
    {.name = "trust list: a SHA-1 root without SHA-1",
     .line = "2.28",
     .make = [](Fixture& f) { root_unparsed(f, "sha1"); },
     .id = FindingId::kCaSignatureHashDisabled,
     .summary = {"The trusted CA '/CN=root' is signed with sha1WithRSAEncryption, and MBEDTLS_SHA1_C is off"},
     .fix = "#define MBEDTLS_SHA1_C in firmware/configs/field.h; better, trust a root signed with SHA-256."},
    {.name = "trust list: a SHA-384 root without SHA-384",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           root_unparsed(f, "sha384");
           f.build.sha384 = false;
         },
     .id = FindingId::kCaSignatureHashDisabled,
     .summary = {"and MBEDTLS_SHA512_C is off in this build"},
     .fix_has = {"#define MBEDTLS_SHA512_C in firmware/configs/field.h;"}},
    {.name = "trust list: a SHA-384 root without SHA-384",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           root_unparsed(f, "sha384");
           f.build.sha384 = false;
         },
     .id = FindingId::kCaSignatureHashDisabled,
     .summary = {"and MBEDTLS_SHA384_C is off in this build"},
     .fix_has = {"#define MBEDTLS_SHA384_C in firmware/configs/field.h;"}},
    // ---- ca_signature_key_type_disabled ----
    {.name = "trust list: an RSA-signed root in a build without RSA",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           root_unparsed(f, "sha256");
           f.build.rsa = false;
         },
     .id = FindingId::kCaSignatureKeyTypeDisabled,
     .summary = {"is signed with sha256WithRSAEncryption, and MBEDTLS_RSA_C is off in this build"},
     .fix = "#define MBEDTLS_RSA_C and MBEDTLS_PKCS1_V15 in firmware/configs/field.h; or trust a root signed with "
            "ECDSA, the key type this build has."},
    {.name = "trust list: a SHA-1 root in a build without RSA or SHA-1 gives both causes",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           root_unparsed(f, "sha1");
           f.build.rsa = false;
         },
     .id = FindingId::kCaSignatureKeyTypeDisabled,
     .summary = {"MBEDTLS_RSA_C is off"},
     .fix_has = {"#define MBEDTLS_RSA_C and MBEDTLS_PKCS1_V15 in firmware/configs/field.h"}},
    // ---- server_key_curve_disabled ----
    {.name = "a P-384 leaf against a build without the curve",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           fail(f, kPkUnknownNamedCurve, 3);
           f.server.chain = {cert("root", "EC", 256, "sha256", true, std::nullopt),
                             cert("leaf", "EC", 384, "sha384", false, 0)};
         },
     .id = FindingId::kServerKeyTypeDisabled,
     .summary = {"The leaf '/CN=leaf' has an EC 384-bit key on a curve this build leaves out"},
     .fix = "#define MBEDTLS_ECP_DP_SECP384R1_ENABLED in firmware/configs/field.h (the certificate's curve); or have "
            "the server use a certificate on a curve the device has."},
    // ---- rsa_key_too_large_for_mpi ----
    {.name = "MPI: a trusted RSA-4096 root",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           fail(f, kPkInvalidPubkey, 0, tls::Stage::kLoadTrust);
           f.server.chain = {cert("root", "RSA", 4096, "sha256", true, std::nullopt),
                             cert("leaf", "RSA", 2048, "sha256", false, 0)};
         },
     .id = FindingId::kRsaKeyTooLargeForMpi,
     .summary = {"The root '/CN=root' has an RSA-4096 key, but MBEDTLS_MPI_MAX_SIZE is 256 bytes (2048-bit numbers)"},
     .fix = "#define MBEDTLS_MPI_MAX_SIZE 512 in firmware/configs/field.h (RSA-4096 needs 512 bytes)."},
    {.name = "MPI: the server's RSA-8192 leaf",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           fail(f, kPkInvalidPubkey, 3);
           chain(f, "RSA", 8192);
         },
     .id = FindingId::kRsaKeyTooLargeForMpi,
     .summary = {"The leaf '/CN=leaf' has an RSA-8192 key"},
     .fix = "#define MBEDTLS_MPI_MAX_SIZE 1024 in firmware/configs/field.h (RSA-8192 needs 1024 bytes)."},
    // ---- cert_not_yet_valid_clock_unset / cert_not_yet_valid ----
    {.name = "not yet valid: the clock was unset",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           unverified(f, kBadCertFuture);
           f.setup.time = "unset";
         },
     .id = FindingId::kCertNotYetValidClockUnset,
     .summary = {"The device's clock is unset"},
     .fix = "Set the clock before connecting (SNTP or an RTC); or build without MBEDTLS_HAVE_TIME_DATE, which skips "
            "validity checks altogether (expired certificates then pass too)."},
    {.name = "not yet valid: the clock is right",
     .line = "3.6",
     .make = [](Fixture& f) { unverified(f, kBadCertFuture); },
     .id = FindingId::kCertNotYetValid,
     .summary = {"The server's certificate 'CN=leaf' is not valid yet: its validity starts after the device's "
                 "(correct) current time."},
     .fix = "Fix the server: install a certificate whose notBefore has passed (or keep serving the old one until "
            "then)."},
    {.name = "not yet valid: the clock was set to a date",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           unverified(f, kBadCertFuture);
           f.setup.time = "1577836800";
         },
     .id = FindingId::kCertNotYetValid,
     .summary = {"not valid yet by the device's clock, which reads 2020-01-01 00:00 UTC."},
     .fix = "Check the device's clock (SNTP or an RTC): if it is behind, set it; if it is right, have the server use "
            "a certificate that is already valid."},
    {.name = "not yet valid: a log without the clock, the second reading",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           unverified(f, kBadCertFuture);
           from_log(f);
           f.server.chain.clear();
         },
     .id = FindingId::kCertNotYetValid,
     .summary = {"Or: the device's clock is right"},
     .fix = "Log the clock before the handshake; if it is right, have the server use a certificate that is already "
            "valid.",
     .place = 1},
    // ---- server_cert_signature_hash_rejected ----
    {.name = "chain hash: a SHA-1 intermediate skipped",
     .line = "3.6",
     .make = [](Fixture& f) { intermediate_skipped(f, "sha1"); },
     .id = FindingId::kServerCertSignatureHashRejected,
     .summary = {"sends its intermediate 1 '/CN=intermediate 1' signed with sha1WithRSAEncryption, and this build has "
                 "no MBEDTLS_SHA1_C"},
     .fix = "Have the server's CA reissue its intermediate 1 signed with SHA-256 or better; enabling MBEDTLS_SHA1_C in "
            "firmware/configs/field.h would only make the device reject it for its hash (the default verify profile "
            "refuses SHA-1)."},
    // The default verify profile accepts SHA-384: enabling the hash is the fix.
    {.name = "chain hash: a SHA-384 intermediate skipped",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           intermediate_skipped(f, "sha384");
           f.build.sha384 = false;
         },
     .id = FindingId::kServerCertSignatureHashRejected,
     .summary = {"this build has no MBEDTLS_SHA512_C"},
     .fix_has = {"#define MBEDTLS_SHA512_C in firmware/configs/field.h (the default verify profile accepts sha384"}},
    {.name = "chain hash: a SHA-384 intermediate skipped",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           intermediate_skipped(f, "sha384");
           f.build.sha384 = false;
         },
     .id = FindingId::kServerCertSignatureHashRejected,
     .summary = {"this build has no MBEDTLS_SHA384_C"},
     .fix_has = {"#define MBEDTLS_SHA384_C in firmware/configs/field.h (the default verify profile accepts sha384"}},
    {.name = "chain hash: the verify profile refuses the leaf's hash",
     .line = "2.28",
     .make = [](Fixture& f) { unverified(f, kBadCertBadMd, "sha1"); },
     .id = FindingId::kServerCertSignatureHashRejected,
     .summary = {"The certificate 'CN=leaf' (signed with sha1) uses a signature hash the device's verify profile does "
                 "not accept."},
     .fix = "Have the server use a certificate signed with SHA-256 or better; allowing SHA-1 on the device "
            "(mbedtls_ssl_conf_cert_profile) would accept forgeable signatures."},
    {.name = "chain hash: the verify profile refuses a hash, certificate not reported",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           unverified(f, kBadCertBadMd);
           f.client.peer_chain.clear();
         },
     .id = FindingId::kServerCertSignatureHashRejected,
     .summary = {"The certificate in the server's chain uses a signature hash"},
     .fix = "Have the server use a certificate signed with SHA-256 or better; allowing SHA-1 on the device "
            "(mbedtls_ssl_conf_cert_profile) would accept forgeable signatures."},
    // ---- cert_expired ----
    {.name = "expired: by a clock set to a date",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           expired(f, "CN=leaf", 0);
           f.setup.time = "1893456000";
         },
     .id = FindingId::kCertExpired,
     .summary = {"The certificate 'CN=leaf' (valid until 2025-01-01 00:00:00 UTC) has expired by the device's clock, "
                 "which reads 2030-01-01 00:00 UTC."},
     .fix = "Check the device's clock first (SNTP or an RTC): if it is ahead, set it; if it is right, renew the "
            "expired certificate."},
    {.name = "expired: the trusted root",
     .line = "3.6",
     .make = [](Fixture& f) { expired(f, "CN=root", 2); },
     .id = FindingId::kCertExpired,
     .summary = {"The root CA the device trusts, 'CN=root', expired on 2025-01-01 00:00:00 UTC"},
     .fix = "Update the device's CA list with the CA's current root (and plan CA-list updates over the device's "
            "lifetime). (If the device's clock is wrong instead, set it: SNTP or an RTC.)"},
    {.name = "expired: the intermediate",
     .line = "2.28",
     .make = [](Fixture& f) { expired(f, "CN=intermediate 1", 1); },
     .id = FindingId::kCertExpired,
     .summary = {"The server's intermediate 1 certificate 'CN=intermediate 1' expired on 2025-01-01 00:00:00 UTC."},
     .fix = "Have the server send the CA's current intermediate instead of the expired one. (If the device's clock is "
            "wrong instead, set it: SNTP or an RTC.)"},
    {.name = "expired: the leaf",
     .line = "3.6",
     .make = [](Fixture& f) { expired(f, "CN=leaf", 0); },
     .id = FindingId::kCertExpired,
     .summary = {"The server's certificate 'CN=leaf' expired on 2025-01-01 00:00:00 UTC."},
     .fix = "Renew the server's certificate. (If the device's clock is wrong instead, set it: SNTP or an RTC.)"},
    // ---- hostname_mismatch ----
    {.name = "hostname: an IP address, on a line that matches only DNS names",
     .line = "2.28",
     .make = [](Fixture& f) { mismatch(f, "192.0.2.10"); },
     .id = FindingId::kHostnameMismatch,
     .summary = {"names the server by its address '192.0.2.10', and Mbed TLS 2.28 matches a hostname only against "
                 "DNS names",
                 "names only cloud.shakedown.test"},
     .fix = "Connect by a DNS name the certificate carries, or move the device to Mbed TLS 3.6, which matches "
            "iPAddress subjectAltNames."},
    {.name = "hostname: an IP address, on a line that matches iPAddress names",
     .line = "3.6",
     .make = [](Fixture& f) { mismatch(f, "192.0.2.10"); },
     .id = FindingId::kHostnameMismatch,
     .summary = {"The device asked for '192.0.2.10' but the server's certificate ('CN=leaf') names "
                 "cloud.shakedown.test."},
     .fix = "Connect with the name the certificate carries (mbedtls_ssl_set_hostname), or have the server's "
            "certificate name the host the device uses."},
    {.name = "hostname: another DNS name, a leaf without DNS names",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           mismatch(f, "other.shakedown.test");
           f.server.chain[1].dns_names.clear();
         },
     .id = FindingId::kHostnameMismatch,
     .summary = {"The device asked for 'other.shakedown.test' but the server's certificate ('CN=leaf') names no DNS "
                 "names."},
     .fix = "Connect with the name the certificate carries (mbedtls_ssl_set_hostname), or have the server's "
            "certificate name the host the device uses."},
    // ---- untrusted_ca ----
    {.name = "untrusted: the intermediate sent before the leaf",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           intermediate_skipped(f, "sha256");
           f.server.chain[1].sent_position = 0;
           f.server.chain[2].sent_position = 1;
         },
     .id = FindingId::kUntrustedCa,
     .summary = {"The server sends its chain out of order: 'CN=intermediate 1' comes before the certificate it signed"},
     .fix = "Have the server send its certificates in order, leaf first and then each issuer (TLS 1.2 requires it), "
            "or add the intermediates to the device's CA list."},
    {.name = "untrusted: the issuer present but refused (pathLenConstraint)",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           unverified(f, kBadCertNotTrusted);
           f.client.peer_chain = {peer(0, "CN=leaf", "CN=intermediate 2"),
                                  peer(1, "CN=intermediate 2", "CN=intermediate 1", kBadCertNotTrusted)};
           f.server.chain = {cert("root", "RSA", 2048, "sha256", true, std::nullopt),
                             cert("intermediate 1", "RSA", 2048, "sha256", false, 2),
                             cert("intermediate 2", "RSA", 2048, "sha256", false, 1),
                             cert("leaf", "RSA", 2048, "sha256", false, 0)};
           f.server.chain[1].path_length = 0;
         },
     .id = FindingId::kUntrustedCa,
     .summary = {"The chain reaches '/CN=intermediate 1' (sent by the server), but Mbed TLS refuses it as the issuer "
                 "of 'CN=intermediate 2'",
                 "Its pathLenConstraint is 0, and the chain has 1 CA certificate below it."},
     .fix = "Have the CA issue the chain within its constraints (a CA with pathLenConstraint N allows N CA "
            "certificates below it); the device only enforces them. Check with openssl verify -show_chain against the "
            "same chain."},
    {.name = "untrusted: the server's own root",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           unverified(f, kBadCertNotTrusted);
           f.client.peer_chain = {peer(0, "CN=leaf", "CN=other root"),
                                  peer(1, "CN=other root", "CN=other root", kBadCertNotTrusted)};
         },
     .id = FindingId::kUntrustedCa,
     .summary = {"ends at its own root 'CN=other root', which the device does not trust (it trusts '/CN=root')"},
     .fix = "If the server moved to another CA, add 'CN=other root' to the device's CA list (ahead of the switch, next "
            "time); otherwise have the server use a certificate issued under '/CN=root'."},
    {.name = "untrusted: the intermediate not sent",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           intermediate_skipped(f, "sha256");
           f.server.chain[1].sent_position.reset();
         },
     .id = FindingId::kUntrustedCa,
     .summary = {"The server's chain (1 certificates sent) does not lead to a CA the device trusts: 'CN=intermediate "
                 "1' is missing"},
     .fix = "Have the server send its intermediate certificates, or add 'CN=intermediate 1' to the device's CA list."},
    {.name = "untrusted: from a log, the server's chain unknown",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           intermediate_skipped(f, "sha256");
           from_log(f);
           f.server.chain.clear();
         },
     .id = FindingId::kUntrustedCa,
     .summary = {"The server's chain does not lead to a CA the device trusts"},
     .fix = "Have the server send its intermediate certificates, or add 'CN=intermediate 1' to the device's CA list."},
    // ---- cert_key_too_weak ----
    {.name = "weak key: an RSA-1024 root, the leaf flagged",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           unverified(f, kBadCertBadKey);
           f.client.peer_chain.push_back(peer(1, "CN=root", "CN=root", 0, "sha256", 1024));
         },
     .id = FindingId::kCertKeyTooWeak,
     .summary = {"The certificate 'CN=root' has an RSA-1024 key, below the 2048 bits",
                 "(Mbed TLS flags 'CN=leaf', which it signed)"},
     .fix = "Have the server use a chain whose every key is RSA of 2048 bits or more, or ECDSA on P-256 or P-384; a "
            "weak root must be replaced in the device's trust list too. Lowering the device's verify profile "
            "(mbedtls_ssl_conf_cert_profile) would accept keys that can be broken."},
    {.name = "weak key: a key refused for another reason",
     .line = "3.6",
     .make = [](Fixture& f) { unverified(f, kBadCertBadKey); },
     .id = FindingId::kCertKeyTooWeak,
     .summary = {"A key in the server's chain is one the device's verify profile refuses", "Mbed TLS flags 'CN=leaf'"},
     .fix = "Have the server use a chain whose every key is RSA of 2048 bits or more, or ECDSA on P-256 or P-384; a "
            "weak root must be replaced in the device's trust list too. Lowering the device's verify profile "
            "(mbedtls_ssl_conf_cert_profile) would accept keys that can be broken."},
    // ---- hostname_not_set ----
    {.name = "no hostname: 3.6.3 refuses to verify",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           fail(f, kSslVerifyWithoutHostname, 3);
           f.build.mbedtls_version = "3.6.3";
         },
     .id = FindingId::kHostnameNotSet,
     .summary = {"Mbed TLS 3.6.3 refuses to verify a server certificate without one"},
     .fix = "Call mbedtls_ssl_set_hostname(&ssl, \"<server name>\") before the handshake: it sends SNI and checks the "
            "certificate's name."},
    {.name = "no hostname: passed without a name check",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           pass(f);
           hello(f).server_name.clear();
           f.client.peer_chain = {peer(0, "CN=leaf", "CN=root")};
         },
     .id = FindingId::kHostnameNotSet,
     .summary = {"Warning: the device set no hostname, so it checked no name: it accepted the certificate 'CN=leaf'"},
     .fix = "Call mbedtls_ssl_set_hostname(&ssl, \"<server name>\") before the handshake: it sends SNI and checks the "
            "certificate's name."},
    // ---- verify_optional_untrusted ----
    {.name = "passed with an unverified chain",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           pass(f);
           f.client.verify_flags = kBadCertNotTrusted;
         },
     .id = FindingId::kVerifyOptionalUntrusted,
     .summary = {"Warning: the handshake succeeded although the server's certificate failed verification"},
     .fix = "mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED), as the examples other than ssl_client1 "
            "do."},
};

}  // namespace

std::span<const Row> certificate_rows() {
  return kCertificates;
}

}  // namespace shakedown::diagnosis::fix_rows

TEST_CASE("fix sentences: certificates, each branch on each line") {
  shakedown::diagnosis::fix_rows::check_rows(shakedown::diagnosis::fix_rows::certificate_rows());
}
