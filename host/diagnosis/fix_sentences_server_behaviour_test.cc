// Fix sentences, server behaviour: what the server demands, how it ends a
// handshake it will not finish, and the candidate causes of a refused
// ClientHello read from a log (the version candidate names each line's
// version macros).

#include <catch2/catch.hpp>

#include "fix_sentences_test_support.h"

namespace shakedown::diagnosis::fix_rows {
namespace {

using namespace codes;

constexpr const char* kCompare =
    "Compare the ClientHello with what the server accepts; the server's own log or capture names the cause.";
constexpr const char* kCompareLogged =
    "Compare the ClientHello with what the server accepts; the server's own log or capture names the cause "
    "(`shakedown run` with a scenario of it shows both sides).";
constexpr const char* kOwnCertFromRoot =
    "Give the device a certificate and key issued by '/CN=root' (mbedtls_ssl_conf_own_cert).";

// TLS 1.3: the handshake completed, then the server refused the empty
// Certificate after the client's Finished.
void certificate_refused_after_handshake(Fixture& f) {
  f.client.version = "TLSv1.3";
  hello(f).supported_versions = {0x0304};
  f.server.connection->verdict = "peer did not return a certificate";
  chain(f);
}

// TLS 1.2: the server asked for a certificate; the client answered with one
// of `length` bytes (3: an empty list).
void certificate_requested(Fixture& f, size_t length) {
  fail(f, kSslFatalAlert, 13);
  alert_in(f, 40);
  hello(f);
  f.server.connection->transcript = {{true, 2, 80}, {true, 11, 1800}, {true, 13, 40}, {false, 11, length}};
  f.server.connection->verdict = "peer did not return a certificate";
  chain(f);
}

void alert_to_hello(Fixture& f, uint8_t alert) {
  fail(f, kSslFatalAlert, 2);
  alert_in(f, alert);
}

// From a log: the server refused a ClientHello of one ECDHE suite and one
// curve, without a server name, with handshake_failure (40).
void refused_from_log(Fixture& f) {
  from_log(f);
  alert_to_hello(f, 40);
  f.client.offered_suites = {0xc02b};
  f.log->client_hello = servers::ClientHelloCapture{};
  f.log->client_hello->legacy_version = 0x0303;
  f.log->client_hello->cipher_suites = {0xc02b};
  f.log->client_hello->groups = {0x0017};
}

// The same with a broad offer (five suites, two curves, a server name), so
// no part of the ClientHello points at the cause; then `magnitude`.
void broadly_refused_from_log(Fixture& f, uint32_t magnitude) {
  refused_from_log(f);
  f.client.offered_suites = {0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca8};
  f.log->client_hello->cipher_suites = f.client.offered_suites;
  f.log->client_hello->groups = {0x0017, 0x001d};
  f.log->client_hello->server_name = "cloud.shakedown.test";
  f.client.result = -static_cast<int32_t>(magnitude);
  if (magnitude != kSslFatalAlert) f.client.alerts_received.clear();
}

const Row kServerBehaviour[] = {
    // ---- client_certificate_required_after_handshake ----
    {.name = "client certificate, TLS 1.3: the first exchange failed",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           fail(f, kSslFatalAlert, 0, tls::Stage::kExchange);
           f.client.failed_call = "mbedtls_ssl_read";
           alert_in(f, 116);
           certificate_refused_after_handshake(f);
         },
     .id = FindingId::kClientCertificateRequired,
     .summary = {"over TLSv1.3 the device's handshake completes", "the device's first exchange fails",
                 "certificates issued by '/CN=root'"},
     .fix = kOwnCertFromRoot},
    {.name = "client certificate, TLS 1.3: no exchange yet, the CA not known",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           pass(f, "TLSv1.3");
           certificate_refused_after_handshake(f);
           f.server.chain.clear();
         },
     .id = FindingId::kClientCertificateRequired,
     .summary = {"the device's first exchange will fail", "certificates issued by its CA"},
     .fix = "Give the device a certificate and key issued by its CA (mbedtls_ssl_conf_own_cert)."},
    // ---- client_certificate_required ----
    {.name = "client certificate, TLS 1.2: the device sent none",
     .line = "2.28",
     .make = [](Fixture& f) { certificate_requested(f, 3); },
     .id = FindingId::kClientCertificateRequired,
     .summary = {"the device sent none; it accepts certificates issued by '/CN=root'."},
     .fix = kOwnCertFromRoot},
    {.name = "client certificate, TLS 1.2: one the server does not accept",
     .line = "3.6",
     .make = [](Fixture& f) { certificate_requested(f, 900); },
     .id = FindingId::kClientCertificateRequired,
     .summary = {"the device did not send one it accepts"},
     .fix = kOwnCertFromRoot},
    // ---- sni_required ----
    {.name = "SNI: the client asked for no name",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           alert_to_hello(f, 112);
           hello(f).server_name.clear();
         },
     .id = FindingId::kSniRequired,
     .summary = {"and the client asked for none; it answered unrecognized_name (112)."},
     .fix = "Set the server's name on the device: mbedtls_ssl_set_hostname(&ssl, \"<server name>\"), which also turns "
            "on the name check."},
    {.name = "SNI: the client asked for a name the server does not serve",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           alert_to_hello(f, 112);
           hello(f);
         },
     .id = FindingId::kSniRequired,
     .summary = {"and the client asked for a name it does not serve"},
     .fix = "Set the server's name on the device: mbedtls_ssl_set_hostname(&ssl, \"<server name>\"), which also turns "
            "on the name check."},
    // ---- rejected_after_client_hello ----
    {.name = "refused: a reset after the ClientHello",
     .line = "2.28",
     .make = [](Fixture& f) { fail(f, kNetConnReset, 2); },
     .id = FindingId::kConnectionResetAfterClientHello,
     .summary = {"The server reset the connection right after the ClientHello, without an alert"},
     .fix = kCompare},
    {.name = "refused: a close after the ClientHello",
     .line = "3.6",
     .make = [](Fixture& f) { fail(f, kSslConnEof, 2); },
     .id = FindingId::kConnectionClosedAfterClientHello,
     .summary = {"The server closed the connection right after the ClientHello, without an alert"},
     .fix = kCompare},
    // ---- alert_after_client_hello ----
    {.name = "alert: internal_error",
     .line = "2.28",
     .make = [](Fixture& f) { alert_to_hello(f, 80); },
     .id = FindingId::kAlertAfterClientHello,
     .summary = {"with the fatal alert 80 (internal_error): an error inside the server"},
     .fix = "Nothing on the device causes internal_error: look at the server's log (its key store, backend or "
            "configuration)."},
    {.name = "alert: illegal_parameter",
     .line = "3.6",
     .make = [](Fixture& f) { alert_to_hello(f, 47); },
     .id = FindingId::kAlertAfterClientHello,
     .summary = {"with the fatal alert 47 (illegal_parameter): a ClientHello field or extension"},
     .fix = "Compare the ClientHello's extensions with what the server accepts (openssl s_client -trace against the "
            "same server shows which one it rejects); then drop or change that extension on the device."},
    {.name = "alert: protocol_version although the versions overlap",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           alert_to_hello(f, 70);
           hello(f);
         },
     .id = FindingId::kAlertAfterClientHello,
     .summary = {"although the versions the ClientHello offered overlap the ones the server is configured for"},
     .fix = "Find what answers in front of the server (a TLS-terminating proxy or firewall) and its version policy; "
            "the device's versions are not the problem."},
    {.name = "alert: protocol_version without the server's capture",
     .line = "3.6",
     .make = [](Fixture& f) { alert_to_hello(f, 70); },
     .id = FindingId::kAlertAfterClientHello,
     .summary = {"with the fatal alert 70 (protocol_version): its refusal of the ClientHello (protocol_version)."},
     .fix = "Compare the ClientHello with what the server accepts; the server's own log names the cause."},
    {.name = "alert: handshake_failure",
     .line = "2.28",
     .make = [](Fixture& f) { alert_to_hello(f, 40); },
     .id = FindingId::kAlertAfterClientHello,
     .summary = {"with the fatal alert 40 (handshake_failure): its refusal of the ClientHello"},
     .fix = "Compare the ClientHello with what the server accepts; the server's own log names the cause."},
    // ---- handshake_timeout ----
    {.name = "timeout: the server went silent",
     .line = "3.6",
     .make = [](Fixture& f) { fail(f, kSslTimeout, 3); },
     .id = FindingId::kHandshakeTimeout,
     .summary = {"waiting for the server's Certificate (client state 3)."},
     .fix = "Keep a read timeout configured on the device (mbedtls_ssl_conf_read_timeout) so a silent server ends in "
            "an error instead of a hang; then find why the server stalls."},
    // ---- refused_client_hello_candidates (a log) ----
    {.name = "refusal candidates: one suite offered, the suite first",
     .line = "2.28",
     .make = refused_from_log,
     .id = FindingId::kNoSharedCiphersuite,
     .summary = {"answered the ClientHello with handshake_failure (40), and the client offered only c02b"},
     .fix = "Find the suites the server accepts (openssl s_client -cipher ... against it, or its config) and add one "
            "to MBEDTLS_SSL_CIPHERSUITES in firmware/configs/field.h (or to the list the application passes to "
            "mbedtls_ssl_conf_ciphersuites)."},
    {.name = "refusal candidates: the group",
     .line = "3.6",
     .make = refused_from_log,
     .id = FindingId::kNoSharedGroup,
     .summary = {"the client offered secp256r1 for key exchange"},
     .fix = "Enable the server's group on the device (MBEDTLS_ECP_DP_* / the group list in firmware/configs/field.h).",
     .place = kAnyPlace},
    {.name = "refusal candidates: the server's key type",
     .line = "2.28",
     .make = refused_from_log,
     .id = FindingId::kServerKeyTypeDisabled,
     .summary = {"needs a curve or hash the client did not offer (secp256r1)"},
     .fix = "Enable the curve and hash of the server's certificate key in firmware/configs/field.h.",
     .place = kAnyPlace},
    {.name = "refusal candidates: the signature scheme",
     .line = "3.6",
     .make = refused_from_log,
     .id = FindingId::kNoSharedSignatureAlgorithm,
     .summary = {"it may find no signature scheme the client offered for its key"},
     .fix = "Have the server allow a signature scheme the client offers (rsa_pkcs1_sha256 over TLS 1.2).",
     .place = kAnyPlace},
    {.name = "refusal candidates: the server's own suites",
     .line = "2.28",
     .make = refused_from_log,
     .id = FindingId::kServerSuitesUnusableWithCertificate,
     .summary = {"its own suites may not suit its certificate's key"},
     .fix = "Check the server: its enabled suites must authenticate with its certificate's key type.",
     .place = kAnyPlace},
    {.name = "refusal candidates: no SNI",
     .line = "3.6",
     .make = refused_from_log,
     .id = FindingId::kSniRequired,
     .summary = {"and the ClientHello named no server (no SNI)"},
     .fix = "Call mbedtls_ssl_set_hostname(&ssl, \"<server name>\") before the handshake.",
     .place = kAnyPlace},
    {.name = "refusal candidates: the versions",
     .line = "2.28",
     .make = refused_from_log,
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"it may accept none of the versions the client offered."},
     .fix = "Make the versions overlap: MBEDTLS_SSL_PROTO_TLS1_1 / MBEDTLS_SSL_PROTO_TLS1_2 in "
            "firmware/configs/field.h, or the server's version range.",
     .place = kAnyPlace},
    {.name = "refusal candidates: the versions, one offered",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           refused_from_log(f);
           f.log->client_hello->supported_versions = {0x0304};
         },
     .id = FindingId::kProtocolVersionMismatch,
     .summary = {"it may accept none of the versions the client offered (only TLS 1.3)."},
     .fix = "Make the versions overlap: MBEDTLS_SSL_PROTO_TLS1_2 / MBEDTLS_SSL_PROTO_TLS1_3 in "
            "firmware/configs/field.h, or the server's version range.",
     .place = kAnyPlace},
    {.name = "refusal candidates: a broad offer, handshake_failure first",
     .line = "2.28",
     .make = [](Fixture& f) { broadly_refused_from_log(f, kSslFatalAlert); },
     .id = FindingId::kAlertAfterClientHello,
     .summary = {"The server answered the ClientHello with handshake_failure (40), without saying why"},
     .fix = kCompareLogged},
    {.name = "refusal candidates: a broad offer, a reset first",
     .line = "3.6",
     .make = [](Fixture& f) { broadly_refused_from_log(f, kNetConnReset); },
     .id = FindingId::kConnectionResetAfterClientHello,
     .summary = {"The server reset the connection right after the ClientHello, without saying why"},
     .fix = kCompareLogged},
    {.name = "refusal candidates: a broad offer, a close first",
     .line = "2.28",
     .make = [](Fixture& f) { broadly_refused_from_log(f, kSslConnEof); },
     .id = FindingId::kConnectionClosedAfterClientHello,
     .summary = {"The server closed the connection right after the ClientHello, without saying why"},
     .fix = kCompareLogged},
};

}  // namespace

std::span<const Row> server_behaviour_rows() {
  return kServerBehaviour;
}

}  // namespace shakedown::diagnosis::fix_rows

TEST_CASE("fix sentences: server behaviour and refusal candidates, each branch") {
  shakedown::diagnosis::fix_rows::check_rows(shakedown::diagnosis::fix_rows::server_behaviour_rows());
}
