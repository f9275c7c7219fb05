// Fix sentences, negotiation: every branch of every fix
// (and summary) wording, on each Mbed TLS line where the wording depends on
// the line, so that a branch no scenario reaches still names the macro, call
// and file of the user's line. The other families: fix_sentences_*_test.cc.
// Last here: every name a row's fix gives exists in its line's headers.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "config_edit.h"
#include "fix_sentences_test_support.h"

namespace shakedown::diagnosis::fix_rows {
namespace {

constexpr auto kFatal = codes::kSslFatalAlert;

// A ClientHello refused for its versions: TLS 1.2 without supported_versions
// (GCM suites only), against a server of `low` to `high`.
void versions_refused(Fixture& f, Version low, Version high) {
  fail(f, kFatal);
  hello(f, {0xc02b});
  f.server.min_version = low;
  f.server.max_version = high;
}

// Groups: an ECDHE suite both take, and the server's groups.
void groups_refused(Fixture& f, std::vector<uint16_t> server_groups) {
  fail(f, kFatal);
  hello(f, {0xc02b});
  f.server.accepted_suites = {suite(0xc02b)};
  f.server.groups = std::move(server_groups);
}

// Over TLS 1.3 (3.6): the client offers P-256 and P-384 but only the P-256
// ECDSA scheme; the server's leaf is EC of `bits`.
void tls13_scheme_missing(Fixture& f, int bits) {
  fail(f, kFatal);
  auto& h = hello(f, {0x1301});
  h.supported_versions = {0x0304};
  h.groups = {0x0017, 0x0018, 0x0019};
  h.signature_algorithms = {0x0403};
  f.server.max_version = Version::kTls1_3;
  chain(f, "EC", bits);
}

// TLS 1.2: the client offers only `groups`; the server's leaf is EC of `bits`.
void curve_missing(Fixture& f, int bits, std::vector<uint16_t> groups) {
  fail(f, kFatal);
  hello(f).groups = std::move(groups);
  f.server.connection->verdict = "no suitable signature algorithm";
  chain(f, "EC", bits);
}

// The server accepts only `accepted`; the client offered c02b and c02c.
void suites_refused(Fixture& f, uint16_t accepted, servers::ConnectionEnd end) {
  fail(f, kFatal);
  hello(f, {0xc02b, 0xc02c, 0x00ff});
  f.server.connection->end = end;
  f.server.connection->verdict = "no shared cipher";
  f.server.accepted_suites = {suite(accepted)};
}

// OpenSSL found no signature scheme: the server signs RSA with RSA-PSS only,
// the client offered ECDSA and RSA PKCS#1.
void no_scheme(Fixture& f, const char* key, int bits) {
  fail(f, kFatal);
  hello(f).signature_algorithms = {0x0403, 0x0401};
  f.server.connection->verdict = "no shared signature algorithm";
  f.server.signature_algorithms = "RSA-PSS+SHA256";
  chain(f, key, bits);
}

const Row kNegotiation[] = {
    // ---- protocol_version_mismatch_uncaptured: no capture, the server's protocol_version alert ----
    {.name = "uncaptured: a TLS 1.3 server, the build stops at TLS 1.2",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           fail(f, kFatal);
           alert_in(f, 70);
           f.build.tls1_3 = false;
           f.server.min_version = f.server.max_version = Version::kTls1_3;
         },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"allows only TLS 1.3 but this build goes no higher than TLS 1.2"},
     .fix = "Enable TLS 1.3 on the device (#define MBEDTLS_SSL_PROTO_TLS1_3 in firmware/configs/field.h), or let the "
            "server accept TLS 1.2."},
    {.name = "uncaptured: a TLS 1.3 server, the build stops at TLS 1.2",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           fail(f, kFatal);
           alert_in(f, 70);
           f.server.min_version = f.server.max_version = Version::kTls1_3;
         },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"allows only TLS 1.3 but this build goes no higher than TLS 1.2"},
     .fix = "Mbed TLS 2.28 has no TLS 1.3: move the device to Mbed TLS 3.6, or let the server accept TLS 1.2."},
    // ---- protocol_version_mismatch: the server's capture ----
    {.name = "server newer: the build has TLS 1.3, the application caps it",
     .line = "3.6",
     .make = [](Fixture& f) { versions_refused(f, Version::kTls1_3, Version::kTls1_3); },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"The server allows only TLS 1.3 but the client offers TLS 1.2."},
     .fix = "The build has TLS 1.3 but the application caps the client at TLS 1.2: raise its maximum version "
            "(mbedtls_ssl_conf_max_tls_version), or let the server accept TLS 1.2."},
    {.name = "server newer: the build lacks TLS 1.3",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           versions_refused(f, Version::kTls1_3, Version::kTls1_3);
           f.build.tls1_3 = false;
         },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"The server allows only TLS 1.3 but the client offers TLS 1.2."},
     .fix = "Enable TLS 1.3 on the device (#define MBEDTLS_SSL_PROTO_TLS1_3 in firmware/configs/field.h), or let the "
            "server accept TLS 1.2."},
    {.name = "server newer: the line lacks TLS 1.3",
     .line = "2.28",
     .make = [](Fixture& f) { versions_refused(f, Version::kTls1_3, Version::kTls1_3); },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"The server allows only TLS 1.3 but the client offers TLS 1.2."},
     .fix = "Mbed TLS 2.28 has no TLS 1.3: move the device to Mbed TLS 3.6, or let the server accept TLS 1.2."},
    {.name = "client newer: the application raised the minimum to TLS 1.3",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           versions_refused(f, Version::kTls1_2, Version::kTls1_2);
           f.server.connection->client_hello->cipher_suites = {0x1301};
           f.server.connection->client_hello->supported_versions = {0x0304};
         },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"The server allows only TLS 1.2 but the client offers TLS 1.3."},
     .fix = "The build has TLS 1.2 but the application sets the client's minimum to TLS 1.3: lower it "
            "(mbedtls_ssl_conf_min_tls_version), or upgrade the server to TLS 1.3."},
    {.name = "deprecated server of two versions: the line can re-enable TLS 1.1",
     .line = "2.28",
     .make = [](Fixture& f) { versions_refused(f, Version::kTls1_0, Version::kTls1_1); },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"The server allows only TLS 1.0 to TLS 1.1 but the client offers TLS 1.2."},
     .fix = "Upgrade the server to TLS 1.2 or later: TLS 1.0 to TLS 1.1 are deprecated (RFC 8996), and re-enabling "
            "it on the device (MBEDTLS_SSL_PROTO_TLS1_1, CBC suites) is a last resort."},
    {.name = "deprecated server of one version: the line cannot speak it",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           versions_refused(f, Version::kTls1_1, Version::kTls1_1);
           f.server.connection->client_hello->supported_versions = {0x0304, 0x0303};
         },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"The server allows only TLS 1.1 but the client offers TLS 1.3, TLS 1.2."},
     .fix = "Upgrade the server to TLS 1.2 or later: TLS 1.1 is deprecated (RFC 8996), and Mbed TLS 3.6 cannot "
            "speak it."},
    // ---- no_shared_group (group_fix) ----
    {.name = "group: an elliptic curve the server takes",
     .line = "2.28",
     .make = [](Fixture& f) { groups_refused(f, {0x0018}); },
     .id = FindingId::kNoSharedGroup,
     .summary = {"accepts only the groups secp384r1 but the client offered secp256r1, x25519; no key exchange"},
     .fix = "Enable a group the server accepts: #define MBEDTLS_ECP_DP_SECP384R1_ENABLED in firmware/configs/field.h "
            "(and keep it in the client's curve list); or let the server accept one of the client's."},
    {.name = "group: an elliptic curve the server takes",
     .line = "3.6",
     .make = [](Fixture& f) { groups_refused(f, {0x0019}); },
     .id = FindingId::kNoSharedGroup,
     .summary = {"accepts only the groups secp521r1"},
     .fix = "Enable a group the server accepts: #define MBEDTLS_ECP_DP_SECP521R1_ENABLED in firmware/configs/field.h "
            "(and keep it in the client's curve list); or let the server accept one of the client's."},
    {.name = "group: none Mbed TLS has a line for",
     .line = "3.6",
     .make = [](Fixture& f) { groups_refused(f, {0x11ec}); },
     .id = FindingId::kNoSharedGroup,
     .summary = {"accepts only the groups 0x11ec"},
     .fix = "Mbed TLS has no config line for the server's groups (0x11ec): have the server accept an elliptic curve "
            "the device offers (P-256, X25519)."},
    {.name = "group: finite-field only, on a line without them",
     .line = "2.28",
     .make = [](Fixture& f) { groups_refused(f, {0x0100}); },
     .id = FindingId::kNoSharedGroup,
     .summary = {"accepts only the groups ffdhe2048"},
     .fix = "Mbed TLS 2.28 has neither TLS 1.3 nor the finite-field groups (ffdhe2048), so no config line helps: have "
            "the server accept an elliptic curve the device offers (P-256, X25519)."},
    {.name = "group: finite-field shared, but only TLS 1.2 is",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           groups_refused(f, {0x0100});
           f.server.connection->client_hello->groups = {0x0017, 0x0100};
         },
     .id = FindingId::kNoSharedGroup,
     .summary = {"they share only ffdhe2048, finite-field groups that serve only TLS 1.3"},
     .fix = "Over TLS 1.2 only elliptic curves serve ECDHE: have the server accept one the device offers (P-256, "
            "X25519), or let both sides use TLS 1.3, where Mbed TLS 3.6 takes ffdhe2048 with MBEDTLS_DHM_C."},
    {.name = "group: finite-field over TLS 1.3",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           groups_refused(f, {0x0100, 0x0101});
           auto& h = *f.server.connection->client_hello;
           h.cipher_suites = {0x1301};
           h.supported_versions = {0x0304, 0x0303};
           f.server.max_version = Version::kTls1_3;
         },
     .id = FindingId::kNoSharedGroup,
     .summary = {"accepts only the groups ffdhe2048, ffdhe3072"},
     .fix = "#define MBEDTLS_DHM_C in firmware/configs/field.h: Mbed TLS 3.6 then offers the RFC 7919 groups "
            "(ffdhe2048, ffdhe3072) over TLS 1.3; or have the server accept an elliptic curve the device offers."},
    // ---- legacy_protocol_negotiated ----
    {.name = "legacy version negotiated",
     .line = "2.28",
     .make = [](Fixture& f) { pass(f, "TLSv1.1"); },
     .id = FindingId::kLegacyProtocolNegotiated,
     .summary = {"succeeded on TLSv1.1, which is deprecated"},
     .fix = "Set the minimum version to TLS 1.2 (mbedtls_ssl_conf_min_version, or undefine MBEDTLS_SSL_PROTO_TLS1 "
            "and MBEDTLS_SSL_PROTO_TLS1_1 in firmware/configs/field.h)."},
    // ---- server_key_type_disabled ----
    {.name = "key type: Ed25519, which no line has",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           fail(f, kFatal);
           hello(f);
           chain(f, "ED25519", 256);
         },
     .id = FindingId::kServerKeyTypeDisabled,
     .summary = {"has an Ed25519 key, but Mbed TLS has no Ed25519 signatures (neither 2.28 nor 3.6)", "0x0807"},
     .fix = "No config line adds Ed25519 to Mbed TLS: have the server use an ECDSA P-256 (or RSA) certificate, or "
            "serve one alongside the Ed25519 certificate for such clients."},
    {.name = "key type: TLS 1.3 P-384 scheme not offered, SHA-384 off",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           tls13_scheme_missing(f, 384);
           f.build.sha384 = false;
         },
     .id = FindingId::kServerKeyTypeDisabled,
     .summary = {"EC P-384 key, and over TLS 1.3 it must sign with ecdsa_secp384r1_sha384"},
     .fix = "Enable MBEDTLS_SHA384_C (the hash of ecdsa_secp384r1_sha384) in firmware/configs/field.h; or have the "
            "server use a certificate with a key the device supports."},
    {.name = "key type: TLS 1.3 P-521 scheme not offered",
     .line = "3.6",
     .make = [](Fixture& f) { tls13_scheme_missing(f, 521); },
     .id = FindingId::kServerKeyTypeDisabled,
     .summary = {"EC P-521 key, and over TLS 1.3 it must sign with ecdsa_secp521r1_sha512"},
     .fix = "Enable MBEDTLS_SHA512_C (the hash of ecdsa_secp521r1_sha512) in firmware/configs/field.h if it is off; "
            "if it is on, add ecdsa_secp521r1_sha512 to the signature algorithms the application sets "
            "(mbedtls_ssl_conf_sig_algs); or have the server use a certificate with a key the device supports."},
    // Curve and hash in the build, the scheme still not offered: the application's list.
    {.name = "key type: TLS 1.3 P-384 scheme not offered, SHA-384 on",
     .line = "3.6",
     .make = [](Fixture& f) { tls13_scheme_missing(f, 384); },
     .id = FindingId::kServerKeyTypeDisabled,
     .summary = {"EC P-384 key, and over TLS 1.3 it must sign with ecdsa_secp384r1_sha384"},
     .fix = "The build has the curve and the hash: add ecdsa_secp384r1_sha384 to the signature algorithms the "
            "application sets (mbedtls_ssl_conf_sig_algs); or have the server use a certificate with a key the "
            "device supports."},
    {.name = "key type: P-384 curve not offered, its hash on",
     .line = "3.6",
     .make = [](Fixture& f) { curve_missing(f, 384, {0x0017}); },
     .id = FindingId::kServerKeyTypeDisabled,
     .summary = {"EC P-384 key, but the client does not offer P-384: its ClientHello offers only the groups secp256r1",
                 "(OpenSSL: no suitable signature algorithm)"},
     .fix = "Enable MBEDTLS_ECP_DP_SECP384R1_ENABLED in firmware/configs/field.h (the certificate's curve); or have "
            "the server use a certificate with a key the device supports."},
    // The SHA-384 macro differs by line: a bug once named 3.6's on 2.28.
    {.name = "key type: P-384 curve not offered, SHA-384 off",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           curve_missing(f, 384, {0x0017});
           f.build.sha384 = false;
         },
     .id = FindingId::kServerKeyTypeDisabled,
     .summary = {"the client does not offer P-384"},
     .fix = "Enable MBEDTLS_ECP_DP_SECP384R1_ENABLED in firmware/configs/field.h (the certificate's curve) and "
            "MBEDTLS_SHA512_C (its ECDSA signature hash); or have the server use a certificate with a key the device "
            "supports."},
    {.name = "key type: P-384 curve not offered, SHA-384 off",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           curve_missing(f, 384, {0x0017});
           f.build.sha384 = false;
         },
     .id = FindingId::kServerKeyTypeDisabled,
     .summary = {"the client does not offer P-384"},
     .fix = "Enable MBEDTLS_ECP_DP_SECP384R1_ENABLED in firmware/configs/field.h (the certificate's curve) and "
            "MBEDTLS_SHA384_C (its ECDSA signature hash); or have the server use a certificate with a key the device "
            "supports."},
    {.name = "key type: P-256 curve not offered, SHA-256 off",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           curve_missing(f, 256, {0x001d});
           f.build.sha256 = false;
         },
     .id = FindingId::kServerKeyTypeDisabled,
     .summary = {"the client does not offer P-256: its ClientHello offers only the groups x25519"},
     .fix = "Enable MBEDTLS_ECP_DP_SECP256R1_ENABLED in firmware/configs/field.h (the certificate's curve) and "
            "MBEDTLS_SHA256_C (its ECDSA signature hash); or have the server use a certificate with a key the device "
            "supports."},
    // ---- no_shared_ciphersuite ----
    {.name = "suites: none shared, the server closed",
     .line = "2.28",
     .make = [](Fixture& f) { suites_refused(f, 0xc030, servers::ConnectionEnd::kFailedWithClose); },
     .id = FindingId::kNoSharedCiphersuite,
     .summary = {"accepts only TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030) but the client offered only c02b and "
                 "c02c; it closed the connection without an alert."},
     .fix = "Add MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 to MBEDTLS_SSL_CIPHERSUITES in "
            "firmware/configs/field.h."},
    {.name = "suites: none shared, the server sent an alert",
     .line = "3.6",
     .make = [](Fixture& f) { suites_refused(f, 0xc030, servers::ConnectionEnd::kFailedWithAlert); },
     .id = FindingId::kNoSharedCiphersuite,
     .summary = {"but the client offered only c02b and c02c; it sent an alert."},
     .fix = "Add MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 to MBEDTLS_SSL_CIPHERSUITES in "
            "firmware/configs/field.h."},
    {.name = "suites: the build has the server's, the application left it out",
     .line = "3.6",
     .make = [](Fixture& f) { suites_refused(f, 0xc02f, servers::ConnectionEnd::kFailedWithReset); },
     .id = FindingId::kNoSharedCiphersuite,
     .summary = {"it reset the connection instead of sending an alert"},
     .fix = "The build has TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f) but the application leaves it out: add "
            "MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 to the list it passes to mbedtls_ssl_conf_ciphersuites."},
    {.name = "suites: no capture (s_server), the client's own offer",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           fail(f, kFatal);
           alert_in(f, 40);
           f.client.offered_suites = {0xc02b, 0x00ff};
           f.server.accepted_suites = {suite(0xc030)};
         },
     .id = FindingId::kNoSharedCiphersuite,
     .summary = {"but the client offered only c02b."},
     .fix = "Add MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 to MBEDTLS_SSL_CIPHERSUITES in "
            "firmware/configs/field.h."},
    // ---- server_suites_unusable ----
    {.name = "server suites unusable with its RSA certificate",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           fail(f, kFatal);
           hello(f).signature_algorithms = {0x0403, 0x0401};
           f.server.connection->verdict = "no shared cipher";
           chain(f, "RSA", 2048);
         },
     .id = FindingId::kServerSuitesUnusableWithCertificate,
     .summary = {"its certificate has an RSA key, and none of the suites it enables authenticates with RSA"},
     .fix = "Fix the server: enable suites for its RSA certificate (e.g. ECDHE-RSA-AES128-GCM-SHA256), or install a "
            "certificate for the suites it enables; nothing on the device helps."},
    {.name = "server suites unusable with its EC certificate",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           fail(f, kFatal);
           hello(f);
           f.server.connection->verdict = "no shared cipher";
           chain(f, "EC", 256);
         },
     .id = FindingId::kServerSuitesUnusableWithCertificate,
     .summary = {"its certificate has an EC key"},
     .fix = "Fix the server: enable suites for its EC certificate (e.g. ECDHE-ECDSA-AES128-GCM-SHA256), or install a "
            "certificate for the suites it enables; nothing on the device helps."},
    // ---- no_shared_signature_algorithm ----
    {.name = "signature: RSA-PSS offered from the TLS 1.3 list, refused in TLS 1.2",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           fail(f, 0x6600, 4);
           f.client.alerts_sent = {{2, 47}};
           hello(f).signature_algorithms = {0x0804, 0x0401};
           f.server.connection->verdict = "";
           chain(f, "RSA", 2048);
         },
     .id = FindingId::kNoSharedSignatureAlgorithm,
     .summary = {"Mbed TLS 3.6 offered RSA-PSS (0804) because TLS 1.3 is enabled"},
     .fix = "Have the server allow rsa_pkcs1_sha256 (RSA+SHA256) over TLS 1.2, or TLS 1.3 (where Mbed TLS verifies "
            "RSA-PSS). On the device, a build without MBEDTLS_SSL_PROTO_TLS1_3 does not offer RSA-PSS, so a server "
            "that also allows PKCS#1 signs with that; the offer-then-reject is a known Mbed TLS issue "
            "(Mbed-TLS/mbedtls#10668)."},
    {.name = "signature: an RSA server over TLS 1.2 that signs only RSA-PSS",
     .line = "2.28",
     .make = [](Fixture& f) { no_scheme(f, "RSA", 2048); },
     .id = FindingId::kNoSharedSignatureAlgorithm,
     .summary = {"sign with its RSA 2048-bit key only in schemes the client does not offer (it offered 0403, 0401)"},
     .fix = "Have the server allow rsa_pkcs1_sha256 (RSA+SHA256) over TLS 1.2: Mbed TLS 2.28 verifies RSA-PSS only in "
            "TLS 1.3, which it does not have, so no device config line adds it here."},
    {.name = "signature: an RSA server over TLS 1.2 that signs only RSA-PSS",
     .line = "3.6",
     .make = [](Fixture& f) { no_scheme(f, "RSA", 2048); },
     .id = FindingId::kNoSharedSignatureAlgorithm,
     .summary = {"OpenSSL found no shared signature algorithm"},
     .fix = "Have the server allow rsa_pkcs1_sha256 (RSA+SHA256) over TLS 1.2: Mbed TLS 3.6 verifies RSA-PSS only in "
            "TLS 1.3, so no device config line adds it here."},
    {.name = "signature: an EC key the client offers no scheme for",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           no_scheme(f, "EC", 256);
           f.server.connection->client_hello->signature_algorithms = {0x0401};
           f.server.signature_algorithms = "";
         },
     .id = FindingId::kNoSharedSignatureAlgorithm,
     .summary = {"sign with its EC 256-bit key only in schemes the client does not offer (it offered 0401)"},
     .fix = "Have the server allow a signature scheme the client offers for its key, or enable on the device the hash "
            "or scheme the server signs with."},
};

}  // namespace

std::span<const Row> negotiation_rows() {
  return kNegotiation;
}

}  // namespace shakedown::diagnosis::fix_rows

using namespace shakedown::diagnosis::fix_rows;

TEST_CASE("fix sentences: negotiation, each branch on each line") {
  check_rows(negotiation_rows());
}

// ---- Every name a row's fix gives exists in its line's headers ----

// Calls `visit(row, finding)` for each finding each row of every family gives.
template <typename Visit>
void each_finding(Visit visit) {
  for (auto rows : {negotiation_rows(), pre_shared_key_rows(), certificate_rows(), server_behaviour_rows(),
                    resource_rows(), log_only_rows()}) {
    for (const Row& row : rows) {
      Fixture f = on_line(row.line);
      row.make(f);
      for (const auto& finding : diagnose(f.evidence())) visit(row, finding);
    }
  }
}

TEST_CASE("fix sentences: every macro and call a row's fix names exists on the row's line") {
  const std::map<std::string_view, std::string> headers = {{"2.28", headers_of(SHAKEDOWN_MBEDTLS_2_28_DIR)},
                                                           {"3.6", headers_of(SHAKEDOWN_MBEDTLS_3_6_DIR)}};
  std::set<std::string> seen;  // "line name": each checked once
  each_finding([&](const Row& row, const shakedown::diagnosis::Finding& finding) {
    for (const std::string& found : names_in_fix(finding.fix)) {
      if (!seen.insert(fmt::format("{} {}", row.line, found)).second) continue;  // each once per line
      INFO(row.name << " on " << row.line << ": " << finding.fix);
      CHECK(defined_in(headers.at(row.line), found));
    }
  });
  CHECK(seen.size() > 30);
}

// ---- Every config change a fix opens with is the edit --verify-fixes makes ----

TEST_CASE("fix sentences: a fix that opens with #define reads back as the config edit, every macro in it") {
  size_t edits = 0, together = 0;
  each_finding([&](const Row& row, const shakedown::diagnosis::Finding& finding) {
    const size_t at = finding.fix.find("#define ");
    if (at == std::string::npos || at > finding.fix.find_first_of(".;")) return;
    INFO(row.name << " on " << row.line << ": " << finding.fix);
    const auto edit = shakedown::mbedtls_config::config_edit_of(finding.fix);
    REQUIRE(edit);
    // The clause "#define A [V], B [V] and C [V] in FILE" names exactly the edit's macros.
    const std::string clause = finding.fix.substr(at, finding.fix.find(" in ", at) - at);
    std::set<std::string> named;
    const std::regex macro("MBEDTLS_[A-Z0-9_]+");
    for (std::sregex_iterator it(clause.begin(), clause.end(), macro), end; it != end; ++it) named.insert(it->str());
    std::set<std::string> made{edit->option};
    for (const auto& d : edit->together) made.insert(d.option);
    CHECK(named == made);
    CHECK(edit->describe() == clause);
    ++edits;
    together += edit->together.size();
  });
  CHECK(edits > 10);
  CHECK(together >= 3);  // the RSA and the 2.x buffer fixes make more than one change
}
