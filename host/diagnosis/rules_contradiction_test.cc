// Every rule against evidence where its premise is false: one row per rule
// and finding it gives. Each row builds evidence on which the rule fires
// (the positive control, so no row passes vacuously), then falsifies only
// the fact the finding states; the rule must then hold back, and no finding
// of that id may come from diagnose(). The fixes of every row are checked
// against the Mbed TLS source trees: no fix names a macro or a call its line
// does not have.

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "diagnosis.h"
#include "evidence_fixture_test_support.h"
#include "mbedtls_codes.h"
#include "rules.h"
#include "shakedown/tls/cipher_suite.h"

namespace {

using namespace shakedown;
using namespace shakedown::diagnosis;
using namespace shakedown::diagnosis::test_support;
namespace fs = std::filesystem;
constexpr auto kFatal = codes::kSslFatalAlert;

using Step = void (*)(Fixture&);

// A log of a ClientHello the server refused (how: one of by_*), offering
// one ECDHE suite and one curve, and no server name.
void refused_hello(Fixture& f) {
  from_log(f);
  fail(f, kFatal, 2);
  f.client.offered_suites = {0xc02b};
  f.log->client_hello = servers::ClientHelloCapture{};
  f.log->client_hello->legacy_version = 0x0303;
  f.log->client_hello->cipher_suites = {0xc02b};
  f.log->client_hello->groups = {0x0017};
}
void by_alert(Fixture& f) {
  f.client.result = -static_cast<int32_t>(codes::kSslFatalAlert);
  f.client.alerts_received = {{2, 40}};
}
void by_reset(Fixture& f) {
  f.client.result = -static_cast<int32_t>(codes::kNetConnReset);
  f.client.alerts_received.clear();
}
void by_close(Fixture& f) {
  f.client.result = -static_cast<int32_t>(codes::kSslConnEof);
  f.client.alerts_received.clear();
}

struct Row {
  std::string_view rule;       // Rule::name
  FindingId finding;           // what it gives when its premise holds
  const char* premise;         // the fact its finding states, which `falsify` makes false
  Step fires;                  // evidence on which the rule fires
  Step falsify;                // then: only the premise made false
  std::string_view line = "";  // the one Mbed TLS line the row is for; empty: both
  // Another rule that rightly gives the same finding on the falsified
  // evidence, from a fact it still shows (the device's own flag); empty: none.
  std::string_view also_from = "";
};

const Row kRows[] = {
    // ---- negotiation ----
    {"protocol_version_mismatch", FindingId::kProtocolVersionMismatch,
     "no version the client offers lies in the server's range",
     [](Fixture& f) {
       fail(f, kFatal);
       hello(f, {0xc02b});
       f.server.min_version = f.server.max_version = Version::kTls1_3;
     },
     [](Fixture& f) { f.server.min_version = Version::kTls1_2; }},
    {"protocol_version_mismatch_uncaptured", FindingId::kProtocolVersionMismatch,
     "the server's lowest version is above the build's highest",
     [](Fixture& f) {
       fail(f, kFatal);
       alert_in(f, 70);
       f.build.tls1_3 = false;
       f.server.min_version = f.server.max_version = Version::kTls1_3;
     },
     [](Fixture& f) { f.server.min_version = Version::kTls1_2; }},
    {"server_key_type_disabled", FindingId::kServerKeyTypeDisabled,
     "the ClientHello lacks the curve of the server's EC key",
     [](Fixture& f) {
       fail(f, kFatal);
       hello(f).groups = {0x0017};
       chain(f, "EC", 384);
     },
     [](Fixture& f) {
       f.server.connection->client_hello->groups = {0x0017, 0x0018};
     }},
    {"server_key_type_disabled", FindingId::kServerKeyTypeDisabled,
     "over TLS 1.3, the ClientHello lacks the scheme bound to the key's curve",
     [](Fixture& f) {
       fail(f, kFatal);
       auto& h = hello(f, {0x1301});
       h.supported_versions = {0x0304};
       h.groups = {0x0017, 0x0018};
       h.signature_algorithms = {0x0403};
       f.server.max_version = Version::kTls1_3;
       chain(f, "EC", 384);
     },
     [](Fixture& f) {
       f.server.connection->client_hello->signature_algorithms = {0x0403, 0x0503};
     },
     "3.6"},
    {"no_shared_group", FindingId::kNoSharedGroup, "the groups offered and the server's are disjoint",
     [](Fixture& f) {
       fail(f, kFatal);
       hello(f).groups = {0x0017};
       f.server.accepted_suites = {suite(0xc02b)};
       f.server.groups = {0x0018};
     },
     [](Fixture& f) {
       f.server.connection->client_hello->groups = {0x0017, 0x0018};
     }},
    {"no_shared_group", FindingId::kNoSharedGroup, "over TLS 1.2, every suite both take needs an elliptic curve",
     [](Fixture& f) {
       fail(f, kFatal);
       hello(f, {0xc02f, 0x009e}).groups = {0x0017};
       f.server.accepted_suites = {suite(0xc02f)};
       f.server.groups = {0x0100};
     },
     [](Fixture& f) { f.server.accepted_suites.push_back(suite(0x009e)); }},
    {"no_shared_group", FindingId::kNoSharedGroup, "over TLS 1.3, the client offers none of the server's ffdhe groups",
     [](Fixture& f) {
       fail(f, kFatal);
       auto& h = hello(f, {0x1301});
       h.supported_versions = {0x0304, 0x0303};
       h.groups = {0x0017};
       f.server.max_version = Version::kTls1_3;
       f.server.groups = {0x0100, 0x0101};
     },
     [](Fixture& f) {
       f.server.connection->client_hello->groups = {0x0017, 0x0100};
     },
     "3.6"},
    {"no_shared_group", FindingId::kNoSharedGroup,
     "the groups offered and the server's are disjoint (2.28: no ffdhe group, no TLS 1.3)",
     [](Fixture& f) {
       fail(f, kFatal);
       hello(f, {0xc02f}).groups = {0x0017};
       f.server.accepted_suites = {suite(0xc02f)};
       f.server.max_version = Version::kTls1_3;
       f.server.groups = {0x0100};
     },
     [](Fixture& f) {
       f.server.groups = {0x0100, 0x0017};
     },
     "2.28"},
    {"server_suites_unusable", FindingId::kServerSuitesUnusableWithCertificate,
     "none of the server's suites authenticates with its certificate's key",
     [](Fixture& f) {
       fail(f, kFatal);
       hello(f);
       f.server.connection->verdict = "no shared cipher";
       chain(f);
     },
     [](Fixture& f) { f.server.accepted_suites = {suite(0xc02f)}; }},
    {"no_shared_signature_algorithm", FindingId::kNoSharedSignatureAlgorithm,
     "no scheme fit for the server's key is offered",
     [](Fixture& f) {
       fail(f, kFatal);
       hello(f).signature_algorithms = {0x0403};
       f.server.connection->verdict = "no shared signature algorithm";
       chain(f);
     },
     [](Fixture& f) {
       f.server.connection->client_hello->signature_algorithms = {0x0403, 0x0401};
     }},
    {"no_shared_signature_algorithm", FindingId::kNoSharedSignatureAlgorithm,
     "the server's own list and the offered schemes are disjoint",
     [](Fixture& f) {
       fail(f, kFatal);
       hello(f).signature_algorithms = {0x0401};
       f.server.connection->verdict = "no shared signature algorithm";
       f.server.signature_algorithms = "RSA-PSS+SHA256";
       chain(f);
     },
     [](Fixture& f) { f.server.signature_algorithms = "RSA-PSS+SHA256:RSA+SHA256"; }},
    {"no_shared_signature_algorithm", FindingId::kNoSharedSignatureAlgorithm,
     "the TLS 1.2 server may sign with the RSA-PSS the 3.6 client offered",
     [](Fixture& f) {
       fail(f, 0x6600, 4);
       f.client.alerts_sent.push_back({2, 47});
       hello(f).signature_algorithms = {0x0804, 0x0401};
       chain(f);
     },
     [](Fixture& f) { f.server.signature_algorithms = "RSA+SHA256"; }, "3.6"},
    {"no_shared_ciphersuite", FindingId::kNoSharedCiphersuite, "the suites offered and accepted are disjoint",
     [](Fixture& f) {
       fail(f, kFatal);
       hello(f, {0xc02b, 0xc02c, 0x00ff});
       f.server.connection->verdict = "no shared cipher";
       f.server.accepted_suites = {suite(0xc030)};
     },
     // OpenSSL's "no shared cipher" for a suite both take (DHE without DH parameters).
     [](Fixture& f) {
       f.server.connection->client_hello->cipher_suites = {0x0067, 0x00ff};
       f.server.accepted_suites = {suite(0x0067)};
     }},
    {"no_shared_ciphersuite", FindingId::kNoSharedCiphersuite,
     "the suites offered and accepted are disjoint (no capture: the client's own list)",
     [](Fixture& f) {
       fail(f, codes::kNetConnReset);
       f.client.offered_suites = {0xc02b, 0x00ff};
       f.server.accepted_suites = {suite(0xc02f)};
     },
     [](Fixture& f) {
       f.client.offered_suites = {0xc02b, 0xc02f};
     }},
    {"no_shared_ciphersuite", FindingId::kNoSharedCiphersuite,
     "the suites offered and accepted are disjoint (no capture: the report's list, cut at 64, is the build's)",
     [](Fixture& f) {
       fail(f, kFatal);
       f.build.ciphersuites.clear();
       for (const auto& known : tls::all_cipher_suites()) {  // 65 suites, 009c not among them
         if (!known.signalling && known.id != 0x009c && f.build.ciphersuites.size() < 65) {
           f.build.ciphersuites.push_back(known.id);
         }
       }
       f.client.offered_suites.assign(f.build.ciphersuites.begin(), f.build.ciphersuites.begin() + 64);
       f.server.accepted_suites = {suite(0x009c)};
     },
     // The server takes the 65th, which the report cut off but the device offered.
     [](Fixture& f) { f.server.accepted_suites = {suite(f.build.ciphersuites.back())}; }},
    {"no_shared_ciphersuite", FindingId::kNoSharedCiphersuite, "no TLS 1.3 suite serves a version both allow",
     [](Fixture& f) {
       fail(f, kFatal);
       hello(f, {0x1301, 0xc02b}).supported_versions = {0x0304, 0x0303};
       f.server.accepted_suites = {suite(0xc030)};
     },
     [](Fixture& f) { f.server.max_version = Version::kTls1_3; }, "3.6"},
    {"legacy_protocol_negotiated", FindingId::kLegacyProtocolNegotiated, "the version negotiated is TLS 1.1 or older",
     [](Fixture& f) { pass(f, "TLSv1.1"); }, [](Fixture& f) { f.client.version = "TLSv1.2"; }, "2.28"},

    // ---- certificates ----
    {"ca_signature_hash_disabled", FindingId::kCaSignatureHashDisabled, "the build lacks the trusted CA's hash",
     [](Fixture& f) {
       fail(f, codes::kX509UnknownSigAlg + codes::kOidNotFound, 0, tls::Stage::kLoadTrust);
       chain(f);
       f.server.chain[0].signature_hash = "sha1";
     },
     [](Fixture& f) { f.build.sha1 = true; }},
    {"ca_signature_key_type_disabled", FindingId::kCaSignatureKeyTypeDisabled,
     "the build lacks the key type of the trusted CA's signature",
     [](Fixture& f) {
       fail(f, codes::kX509UnknownSigAlg + codes::kOidNotFound, 0, tls::Stage::kLoadTrust);
       chain(f);
       f.build.rsa = false;
     },
     [](Fixture& f) { f.build.rsa = true; }},
    {"rsa_key_too_large_for_mpi", FindingId::kRsaKeyTooLargeForMpi, "a key's bits exceed MBEDTLS_MPI_MAX_SIZE",
     [](Fixture& f) {
       fail(f, codes::kPkInvalidPubkey, 0, tls::Stage::kLoadTrust);
       chain(f);
       f.server.chain[0].key_bits = 4096;
     },
     [](Fixture& f) { f.build.mpi_max_size = 512; }},
    {"server_key_curve_disabled", FindingId::kServerKeyTypeDisabled, "the certificate's curve is unknown to the build",
     [](Fixture& f) {
       fail(f, codes::kPkUnknownNamedCurve, 3);
       chain(f);
       f.server.chain.back().key_type = "EC";
       f.server.chain.back().key_bits = 384;
     },
     [](Fixture& f) { f.client.result = -static_cast<int32_t>(codes::kPkInvalidPubkey); }},
    {"cert_not_yet_valid_clock_unset", FindingId::kCertNotYetValidClockUnset, "the device's clock was unset",
     [](Fixture& f) {
       fail(f, codes::kX509CertVerifyFailed, 9);
       f.client.verify_flags = codes::kBadCertFuture;
       f.setup.time = "unset";
     },
     [](Fixture& f) { f.setup.time = "now"; }},
    {"cert_not_yet_valid", FindingId::kCertNotYetValid, "the device's clock was set",
     [](Fixture& f) {
       fail(f, codes::kX509CertVerifyFailed, 9);
       f.client.verify_flags = codes::kBadCertFuture;
     },
     [](Fixture& f) { f.setup.time = "unset"; }},
    {"cert_expired", FindingId::kCertExpired, "the device flagged a certificate expired",
     [](Fixture& f) {
       fail(f, codes::kX509CertVerifyFailed, 9);
       chain(f);
       f.server.chain[1].not_after = "2020-01-01 00:00:00 UTC";
       f.client.peer_chain = {peer(0, "/CN=leaf", "/CN=root", codes::kBadCertExpired)};
       f.client.verify_flags = codes::kBadCertExpired;
     },
     [](Fixture& f) { f.client.verify_flags = f.client.peer_chain[0].verify_flags = codes::kBadCertNotTrusted; }},
    {"hostname_mismatch", FindingId::kHostnameMismatch, "the certificate does not name the host asked for",
     [](Fixture& f) {
       fail(f, codes::kX509CertVerifyFailed, 9);
       chain(f);
       f.server.chain[1].dns_names = {"other.shakedown.test"};
       f.client.verify_flags = codes::kBadCertCnMismatch;
     },
     [](Fixture& f) { f.server.chain[1].dns_names = {"*.shakedown.test"}; }},
    {"server_cert_signature_hash_rejected", FindingId::kServerCertSignatureHashRejected,
     "the build lacks the hash of the intermediate the chain stops short of",
     [](Fixture& f) {
       fail(f, codes::kX509CertVerifyFailed, 9);
       f.server.chain = {cert("root", "RSA", 2048, "sha256", true, std::nullopt),
                         cert("intermediate 1", "RSA", 2048, "sha1", false, 1),
                         cert("leaf", "RSA", 2048, "sha256", false, 0)};
       f.client.peer_chain = {peer(0, "/CN=leaf", "/CN=intermediate 1", codes::kBadCertNotTrusted)};
       f.client.verify_flags = codes::kBadCertNotTrusted;
     },
     [](Fixture& f) { f.build.sha1 = true; }},
    {"untrusted_ca", FindingId::kUntrustedCa, "the device found the chain untrusted",
     [](Fixture& f) {
       fail(f, codes::kX509CertVerifyFailed, 9);
       chain(f);
       f.client.peer_chain = {peer(0, "/CN=leaf", "/CN=intermediate 1", codes::kBadCertNotTrusted)};
       f.client.verify_flags = codes::kBadCertNotTrusted;
     },
     [](Fixture& f) { f.client.verify_flags = f.client.peer_chain[0].verify_flags = codes::kBadCertExpired; }},
    {"cert_key_too_weak", FindingId::kCertKeyTooWeak, "the device refused a key of the chain",
     [](Fixture& f) {
       fail(f, codes::kX509CertVerifyFailed, 9);
       f.client.peer_chain = {peer(0, "/CN=leaf", "/CN=root", codes::kBadCertBadKey, "sha256", 1024)};
       f.client.verify_flags = codes::kBadCertBadKey;
     },
     [](Fixture& f) { f.client.verify_flags = f.client.peer_chain[0].verify_flags = codes::kBadCertExpired; }},
    {"hostname_not_set", FindingId::kHostnameNotSet, "the ClientHello named no server",
     [](Fixture& f) {
       pass(f);
       hello(f).server_name = "";
     },
     [](Fixture& f) { f.server.connection->client_hello->server_name = "cloud.shakedown.test"; }},
    {"verify_optional_untrusted", FindingId::kVerifyOptionalUntrusted, "the chain failed verification",
     [](Fixture& f) {
       pass(f);
       f.client.verify_flags = codes::kBadCertNotTrusted;
     },
     [](Fixture& f) { f.client.verify_flags = 0; }},

    // ---- resources ----
    {"max_fragment_length_not_honoured", FindingId::kMaxFragmentLengthNotHonoured,
     "a record exceeds the max fragment length asked for and the buffer",
     [](Fixture& f) {
       fail(f, codes::kSslBadInputData, 3);
       hello(f).max_fragment_length = 512;
       f.server.connection->records_sent = {{22, 80, 2, false}, {22, 2807, 11, false}};
     },
     [](Fixture& f) {
       f.server.connection->records_sent = {{22, 80, 2, false}, {22, 512, 11, false}};
     }},
    {"record_too_large_for_input_buffer", FindingId::kRecordTooLargeForInputBuffer,
     "the record of N bytes exceeds the input buffer",
     [](Fixture& f) {
       fail(f, codes::kSslBadInputData, 3);
       hello(f);
       f.server.connection->records_sent = {{22, 80, 2, false}, {22, 2807, 11, false}};
     },
     [](Fixture& f) { f.build.in_content_len = 4096; }},
    {"handshake_message_too_large_for_input_buffer", FindingId::kHandshakeMessageTooLargeForInputBuffer,
     "a handshake message exceeds the input buffer",
     [](Fixture& f) {
       fail(f, codes::kSslBadInputData, 3);
       hello(f).max_fragment_length = 1024;
       f.server.connection->records_sent = {{22, 80, 2, false}, {22, 1024, 11, false}, {22, 1024, -1, false}};
       f.server.connection->transcript = {{true, 2, 76}, {true, 11, 2900}};
     },
     [](Fixture& f) { f.build.in_content_len = 4096; }},
    {"heap_exhausted", FindingId::kHeapExhausted, "an allocation failed",
     [](Fixture& f) {
       fail(f, codes::kSslAllocFailed, 5);
       f.client.result_name = "MBEDTLS_ERR_SSL_ALLOC_FAILED";
       f.client.heap_budget = 30'000;
       f.client.heap_peak = 29'000;
     },
     [](Fixture& f) {
       f.client.result = -static_cast<int32_t>(codes::kSslBadInputData);
       f.client.result_name = "MBEDTLS_ERR_SSL_BAD_INPUT_DATA";
     }},
    {"heap_exhausted_in_verify", FindingId::kHeapExhausted,
     "a budget was imposed, and the issuer the chain lacks is present",
     [](Fixture& f) {
       fail(f, codes::kX509CertVerifyFailed, 9);
       f.server.chain = {cert("root", "RSA", 2048, "sha256", true, std::nullopt),
                         cert("leaf", "RSA", 2048, "sha256", false, 0)};
       f.client.peer_chain = {peer(0, "/CN=leaf", "/CN=root", codes::kBadCertNotTrusted)};
       f.client.verify_flags = codes::kBadCertNotTrusted;
       f.client.heap_budget = 20'000;
     },
     [](Fixture& f) { f.client.heap_budget = static_cast<uint32_t>(f.build.heap_capacity); }},
    {"heap_exhausted_in_psa_setup", FindingId::kHeapExhausted, "a budget below the arena was imposed",
     [](Fixture& f) {
       fail(f, codes::kPsaInsufficientMemory, 0, tls::Stage::kSetup);
       f.client.heap_budget = 1'000;
     },
     [](Fixture& f) { f.client.heap_budget = static_cast<uint32_t>(f.build.heap_capacity); }, "3.6"},
    {"handshake_message_fragmented", FindingId::kHandshakeMessageFragmented,
     "a handshake message is longer than the records it came in",
     [](Fixture& f) {
       fail(f, codes::kSslFeatureUnavailable, 3);
       hello(f);
       f.server.connection->records_sent = {{22, 1000, 2, false}, {22, 1000, 11, false}, {22, 600, -1, false}};
       f.server.connection->transcript = {{true, 2, 76}, {true, 11, 1500}};
     },
     [](Fixture& f) {
       f.server.connection->records_sent = {{22, 80, 2, false}, {22, 1504, 11, false}};
       f.server.connection->transcript = {{true, 2, 76}, {true, 11, 1500}};
     },
     "2.28"},

    // ---- pre-shared keys ----
    {"unknown_psk_identity", FindingId::kPskMismatch, "the server holds no key for the device's identity",
     [](Fixture& f) {
       fail(f, kFatal, 12);
       alert_in(f, 115);
       f.setup.psk_identity = "device-2";
       f.setup.psk_key = {1, 2, 3};
       f.server.psk = servers::PreSharedKey{"device-1", {1, 2, 3}};
     },
     [](Fixture& f) { f.setup.psk_identity = "device-1"; }},
    {"unknown_psk_identity", FindingId::kPskMismatch, "the server refused an identity (from a log: its alert)",
     [](Fixture& f) {
       from_log(f);
       fail(f, kFatal, 12);
       alert_in(f, 115);
     },
     [](Fixture& f) {
       f.client.alerts_received = {{2, 20}};
     }},
    {"other_psk_key", FindingId::kPskMismatch, "the device's key for the identity differs from the server's",
     [](Fixture& f) {
       fail(f, kFatal, 12);
       hello(f, {0x00a8});
       f.client.suite_id = 0x00a8;
       alert_in(f, 20);
       f.setup.psk_identity = "device-1";
       f.setup.psk_key = {9, 9, 9};
       f.server.psk = servers::PreSharedKey{"device-1", {1, 2, 3}};
     },
     [](Fixture& f) {
       f.setup.psk_key = {1, 2, 3};
     }},
    {"other_psk_key", FindingId::kPskMismatch, "the server could not verify the ClientHello's PSK binder",
     [](Fixture& f) {
       fail(f, kFatal, 2);
       hello(f, {0x1301});
       alert_in(f, 47);
       f.server.connection->verdict = "handshake failed: binder does not verify";
       f.setup.psk_identity = "device-1";
       f.setup.psk_key = {9, 9, 9};
       f.server.psk = servers::PreSharedKey{"device-1", {1, 2, 3}};
     },
     [](Fixture& f) {
       f.server.psk->key = {9, 9, 9};
     }},

    // ---- server behaviour ----
    {"sni_required", FindingId::kSniRequired, "the server answered unrecognized_name",
     [](Fixture& f) {
       fail(f, kFatal);
       alert_in(f, 112);
     },
     [](Fixture& f) {
       f.client.alerts_received = {{2, 40}};
     }},
    {"client_certificate_required", FindingId::kClientCertificateRequired,
     "the client reached its answer to the server's CertificateRequest",
     [](Fixture& f) {
       fail(f, kFatal, 12);
       hello(f);
       f.server.connection->transcript = {{true, 2, 76}, {true, 11, 900}, {true, 13, 40}, {false, 11, 3}};
       f.server.connection->verdict = "peer did not return a certificate";
     },
     // The client failed on the server's flight, before answering the request.
     [](Fixture& f) {
       f.server.connection->transcript = {{true, 2, 76}, {true, 11, 900}, {true, 13, 40}};
       f.server.connection->verdict = "unexpected eof while reading";
     }},
    {"client_certificate_required_after_handshake", FindingId::kClientCertificateRequired,
     "the server failed the handshake for want of a client certificate",
     [](Fixture& f) {
       fail(f, codes::kSslFatalAlert, 16, tls::Stage::kExchange);
       f.client.version = "TLSv1.3";
       hello(f);
       f.server.connection->verdict = "peer did not return a certificate";
     },
     [](Fixture& f) { f.server.connection->verdict = "decryption failed or bad record mac"; }},
    {"rejected_after_client_hello", FindingId::kConnectionResetAfterClientHello,
     "the reset came right after the ClientHello", [](Fixture& f) { fail(f, codes::kNetConnReset, 2); },
     [](Fixture& f) { f.client.handshake_state = 5; }},
    {"rejected_after_client_hello", FindingId::kConnectionClosedAfterClientHello,
     "the close came right after the ClientHello", [](Fixture& f) { fail(f, codes::kSslConnEof, 2); },
     [](Fixture& f) { f.client.handshake_state = 5; }},
    {"alert_after_client_hello", FindingId::kAlertAfterClientHello, "the alert answered the ClientHello",
     [](Fixture& f) {
       fail(f, kFatal, 2);
       alert_in(f, 80);
     },
     [](Fixture& f) { f.client.handshake_state = 5; }},
    {"handshake_timeout", FindingId::kHandshakeTimeout, "the read timed out",
     [](Fixture& f) { fail(f, codes::kSslTimeout, 2); },
     [](Fixture& f) { f.client.result = -static_cast<int32_t>(codes::kSslConnEof); }},

// ---- a refused ClientHello, from a log: the candidates ----
#define REFUSED(id, premise, refusal, falsify)      \
  {                                                 \
    "refused_client_hello_candidates", id, premise, \
        [](Fixture& f) {                            \
          refused_hello(f);                         \
          refusal(f);                               \
        },                                          \
        falsify                                     \
  }
    // The server saying more than a refusal (its ServerHello came) ends every candidate.
    REFUSED(FindingId::kNoSharedCiphersuite, "the server refused the ClientHello", by_alert,
            [](Fixture& f) { f.client.handshake_state = 4; }),
    REFUSED(FindingId::kNoSharedGroup, "a suite offered needs a group", by_alert,
            [](Fixture& f) {
              f.client.offered_suites = {0x009c};
              f.log->client_hello->cipher_suites = {0x009c};
            }),
    REFUSED(FindingId::kServerKeyTypeDisabled, "the server refused the ClientHello", by_alert,
            [](Fixture& f) { f.client.handshake_state = 4; }),
    REFUSED(FindingId::kNoSharedSignatureAlgorithm, "the server refused the ClientHello", by_alert,
            [](Fixture& f) { f.client.handshake_state = 4; }),
    REFUSED(FindingId::kServerSuitesUnusableWithCertificate, "the server refused the ClientHello", by_alert,
            [](Fixture& f) { f.client.handshake_state = 4; }),
    REFUSED(FindingId::kSniRequired, "the ClientHello named no server", by_alert,
            [](Fixture& f) { f.log->client_hello->server_name = "cloud.shakedown.test"; }),
    REFUSED(FindingId::kProtocolVersionMismatch, "the server refused the ClientHello", by_alert,
            [](Fixture& f) { f.client.handshake_state = 4; }),
    REFUSED(FindingId::kAlertAfterClientHello, "the server answered with an alert", by_alert, by_reset),
    REFUSED(FindingId::kConnectionResetAfterClientHello, "the server reset the connection", by_reset, by_close),
    REFUSED(FindingId::kConnectionClosedAfterClientHello, "the server closed the connection", by_close, by_reset),
#undef REFUSED

    // ---- log only ----
    {"ca_signature_hash_disabled_from_log", FindingId::kCaSignatureHashDisabled,
     "the trusted CA's signature algorithm is unknown to the build",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kX509UnknownSigAlg + codes::kOidNotFound, 0, tls::Stage::kLoadTrust);
     },
     [](Fixture& f) { f.client.result = -static_cast<int32_t>(codes::kX509UnknownSigAlg); }},
    {"rsa_key_too_large_from_log", FindingId::kRsaKeyTooLargeForMpi, "the logged RSA key exceeds MBEDTLS_MPI_MAX_SIZE",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kPkInvalidPubkey, 9);
       f.client.peer_chain = {peer(0, "/CN=leaf", "/CN=root", 0, "sha256", 4096)};
     },
     [](Fixture& f) { f.build.mpi_max_size = 512; }},
    {"heap_exhausted_from_log", FindingId::kHeapExhausted, "an allocation failed",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kSslAllocFailed, 5);
     },
     [](Fixture& f) { f.client.result = -static_cast<int32_t>(codes::kSslBadInputData); }},
    {"record_too_large_from_log", FindingId::kRecordTooLargeForInputBuffer,
     "the logged record exceeds the input buffer",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kSslBadInputData, 3);
       f.client.largest_record_received = 2807;
     },
     [](Fixture& f) { f.build.in_content_len = 4096; }},
    {"record_too_large_from_log", FindingId::kMaxFragmentLengthNotHonoured,
     "the logged record exceeds the input buffer, though a max fragment length was asked for",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kSslBadInputData, 3);
       f.client.largest_record_received = 2807;
       f.log->client_hello = servers::ClientHelloCapture{};
       f.log->client_hello->max_fragment_length = 512;
     },
     [](Fixture& f) { f.build.in_content_len = 4096; }},
    {"handshake_fragmented_from_log", FindingId::kHandshakeMessageFragmented,
     "the line cannot reassemble a handshake message",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kSslFeatureUnavailable, 3);
       f.client.records_received = 4;
       f.client.largest_record_received = 1000;
     },
     [](Fixture& f) { f.build.mbedtls_line = "3.6"; }, "2.28"},
    {"server_cert_hash_from_log", FindingId::kServerCertSignatureHashRejected,
     "a logged certificate is signed with SHA-1",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kX509CertVerifyFailed, 9);
       f.client.verify_flags = codes::kBadCertBadMd;
       f.client.peer_chain = {peer(0, "/CN=leaf", "/CN=root", codes::kBadCertBadMd, "sha1")};
     },
     [](Fixture& f) { f.client.peer_chain[0].signature_md = "sha256"; }, "", "server_cert_signature_hash_rejected"},
    {"client_certificate_required_from_log", FindingId::kClientCertificateRequired,
     "the server answered certificate_required",
     [](Fixture& f) {
       from_log(f);
       fail(f, kFatal, 16, tls::Stage::kExchange);
       alert_in(f, 116);
     },
     [](Fixture& f) {
       f.client.alerts_received = {{2, 80}};
     }},
    {"client_certificate_dropped_from_log", FindingId::kClientCertificateRequired, "the server asked for a certificate",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kNetConnReset, 8);
       f.log->certificate_requested = true;
     },
     [](Fixture& f) { f.log->certificate_requested = false; }},
    {"protocol_version_from_log", FindingId::kProtocolVersionMismatch, "the server answered protocol_version",
     [](Fixture& f) {
       from_log(f);
       fail(f, kFatal, 2);
       alert_in(f, 70);
     },
     [](Fixture& f) {
       f.client.alerts_received = {{2, 40}};
       f.client.handshake_state = 5;
     }},
    {"handshake_message_too_large_from_log", FindingId::kHandshakeMessageTooLargeForInputBuffer,
     "the logged handshake message is longer than the records it came in",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kSslBadInputData, 3);
       f.client.largest_record_received = 1024;
       f.log->largest_handshake_message = 2900;
     },
     [](Fixture& f) { f.log->largest_handshake_message = 900; }},
    {"clock_unset_from_log", FindingId::kCertNotYetValidClockUnset, "the log does not show the clock",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kX509CertVerifyFailed, 9);
       f.client.verify_flags = codes::kBadCertFuture;
     },
     [](Fixture& f) { f.log->clock_known = true; }},
    {"pss_rejected_from_log", FindingId::kNoSharedSignatureAlgorithm,
     "the line's TLS 1.2 code rejects the RSA-PSS it offered",
     [](Fixture& f) {
       from_log(f);
       fail(f, 0x6600, 4);
       f.client.alerts_sent.push_back({2, 47});
     },
     [](Fixture& f) { f.build.mbedtls_line = "2.28"; }, "3.6"},
    {"untrusted_or_hash_from_log", FindingId::kServerCertSignatureHashRejected, "the chain was not trusted",
     [](Fixture& f) {
       from_log(f);
       fail(f, codes::kX509CertVerifyFailed, 9);
       f.client.verify_flags = codes::kBadCertNotTrusted;
     },
     [](Fixture& f) { f.client.verify_flags = codes::kBadCertExpired; }},
};

constexpr std::string_view kLines[] = {"2.28", "3.6"};

bool for_line(const Row& row, std::string_view line) {
  return row.line.empty() || row.line == line;
}

const Rule& rule_named(std::string_view name) {
  static const std::vector<Rule> rules = all_rules();
  const auto it = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.name == name; });
  REQUIRE(it != rules.end());
  return *it;
}

bool gives(const std::vector<Finding>& findings, FindingId id) {
  return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return f.id == id; });
}

std::string describe(const Row& row, std::string_view line) {
  return fmt::format("{} -> {} on {}: premise '{}'", row.rule, finding_name(row.finding), line, row.premise);
}

}  // namespace

TEST_CASE("every rule, and every finding it gives, has a contradiction row") {
  for (const Rule& rule : all_rules()) {
    for (const auto& d : kFindingDeclarations) {
      if (!rule.produces.contains(d.id)) continue;
      INFO(rule.name << " gives " << d.name);
      CHECK(std::any_of(std::begin(kRows), std::end(kRows),
                        [&](const Row& row) { return row.rule == rule.name && row.finding == d.id; }));
    }
  }
}

TEST_CASE("each rule fires when its premise holds, and holds back when the evidence says otherwise") {
  for (const Row& row : kRows) {
    const Rule& rule = rule_named(row.rule);
    REQUIRE(rule.produces.contains(row.finding));
    for (std::string_view line : kLines) {
      if (!for_line(row, line)) continue;
      INFO(describe(row, line));
      Fixture f = on_line(line);
      row.fires(f);
      CHECK(gives(rule.fires(f.evidence()), row.finding));  // the positive control
      CHECK(gives(diagnose(f.evidence()), row.finding));
      row.falsify(f);
      CHECK_FALSE(gives(rule.fires(f.evidence()), row.finding));
      const auto findings = diagnose(f.evidence());
      if (row.also_from.empty()) {
        CHECK_FALSE(gives(findings, row.finding));
      } else {
        CHECK(gives(rule_named(row.also_from).fires(f.evidence()), row.finding));
      }
      if (!f.client.passed()) CHECK_FALSE(findings.empty());  // another rule, or unexplained, speaks
    }
  }
}

TEST_CASE("no-shared-ciphersuite never tells the client to add a suite it offered") {
  for (std::string_view line : kLines) {
    Fixture f = on_line(line);
    fail(f, kFatal);
    hello(f, {0x0067, 0xc02b, 0x00ff});
    f.server.connection->verdict = "no shared cipher";
    f.server.accepted_suites = {suite(0x0067)};
    for (const auto& finding : diagnose(f.evidence())) {
      CHECK(finding.id != FindingId::kNoSharedCiphersuite);
      CHECK_THAT(finding.fix, !Catch::Matchers::Contains("DHE_RSA_WITH_AES_128_CBC_SHA256"));
    }
  }
}

TEST_CASE("an alert 70 is said to come despite overlapping versions only when they do overlap") {
  Fixture f = on_line("3.6");
  fail(f, kFatal);
  alert_in(f, 70);
  hello(f, {0xc02b});
  f.server.min_version = f.server.max_version = Version::kTls1_3;
  for (const auto& finding : diagnose(f.evidence())) CHECK_THAT(finding.summary, !Catch::Matchers::Contains("overlap"));
  f.server.min_version = Version::kTls1_2;
  const auto findings = diagnose(f.evidence());
  REQUIRE(gives(findings, FindingId::kAlertAfterClientHello));
}

// ---- Every macro and call a fix names exists in its line's tree ----

TEST_CASE("no fix names a macro or call that its Mbed TLS line does not have") {
  const std::map<std::string_view, fs::path> trees = {{"2.28", SHAKEDOWN_MBEDTLS_2_28_DIR},
                                                      {"3.6", SHAKEDOWN_MBEDTLS_3_6_DIR}};
  const std::regex define("#define (\\S+)");
  size_t checked = 0;
  for (std::string_view line : kLines) {
    const std::string headers = headers_of(trees.at(line));
    std::set<std::string> names;
    for (const Row& row : kRows) {
      if (!for_line(row, line)) continue;
      Fixture f = on_line(line);
      row.fires(f);
      auto findings = diagnose(f.evidence());
      row.falsify(f);
      if (f.build.mbedtls_line == line) {
        for (auto& finding : diagnose(f.evidence())) findings.push_back(std::move(finding));
      }
      for (const auto& finding : findings) {
        // Whatever follows "#define" must be a macro's name ("#define the group 0x0100" is not).
        for (std::sregex_iterator it(finding.fix.begin(), finding.fix.end(), define), end; it != end; ++it) {
          INFO(finding_name(finding.id) << " on " << line << ": " << finding.fix);
          CHECK(std::regex_match((*it)[1].str(), std::regex("MBEDTLS_[A-Z0-9_]+")));
        }
        for (const std::string& found : names_in_fix(finding.fix)) {
          if (names.insert(found).second) {
            INFO(finding_name(finding.id) << " on " << line << ": " << finding.fix);
            CHECK(defined_in(headers, found));
            ++checked;
          }
        }
      }
    }
  }
  CHECK(checked > 20);
}
