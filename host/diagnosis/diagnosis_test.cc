// Rules over hand-made evidence: each fires on its own evidence and holds
// back when the evidence says otherwise. The real end-to-end evidence is
// exercised by tests/cli_test (scenarios/field).

#include "diagnosis.h"

#include <catch2/catch.hpp>

#include "shakedown/tls/cipher_suite.h"

namespace {

using namespace shakedown;
using Catch::Matchers::Contains;
using diagnosis::CertInfo;
using diagnosis::diagnose;
using diagnosis::Evidence;
using diagnosis::ServerView;

device::BuildFacts field_2x() {
  device::BuildFacts b;
  b.mbedtls_line = "2.28";
  b.profile = "field-2x";
  b.mpi_max_size = 256;
  b.in_content_len = 2048;
  b.sha256 = b.sha384 = b.rsa = b.ecdsa = b.tls1_2 = true;
  b.ciphersuites = {0xc02b, 0xc02c};
  return b;
}

// A suite the server accepts, named from the suite table.
servers::SuiteName suite(uint16_t id) {
  const tls::CipherSuite* s = tls::cipher_suite(id);
  REQUIRE(s != nullptr);
  return {id, std::string(s->openssl_name), std::string(s->iana_name)};
}

device::ClientReport failed(tls::Stage stage, int32_t code, int state = 0) {
  device::ClientReport r;
  r.stage = stage;
  r.result = code;
  r.failed_call = "mbedtls_ssl_handshake";
  r.handshake_state = state;
  return r;
}

// `sent_position`: its place in the server's Certificate message; none: not sent.
CertInfo cert(const char* role, const char* key, int bits, const char* hash, bool trusted,
              std::optional<size_t> sent_position) {
  return {
      role,         std::string("/CN=") + role, key, bits, std::string(hash) + "WithRSAEncryption", hash, 900, trusted,
      sent_position};
}

servers::ConnectionCapture capture_with_hello(std::vector<uint16_t> suites, servers::ConnectionEnd end) {
  servers::ConnectionCapture c;
  servers::ClientHelloCapture hello;
  hello.legacy_version = 0x0303;
  hello.cipher_suites = std::move(suites);
  hello.server_name = "cloud.shakedown.test";
  c.client_hello = hello;
  c.end = end;
  return c;
}

}  // namespace

TEST_CASE("no shared suite: names both sides, how the server ended, and the line to add") {
  auto build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x50, 2);
  ServerView server{
      {suite(0xc030)}, {}, capture_with_hello({0xc02b, 0xc02c, 0x00ff}, servers::ConnectionEnd::kFailedWithReset)};
  server.connection->verdict = "no shared cipher";
  auto findings = diagnose({client, build, server, "firmware/configs/field-2x.h"});
  REQUIRE(findings.size() >= 1);
  CHECK(findings[0].id == diagnosis::FindingId::kNoSharedCiphersuite);
  CHECK_THAT(findings[0].summary, Contains("c02b and c02c") &&
                                      Contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030)") &&
                                      Contains("reset the connection"));
  CHECK(
      findings[0].fix ==
      "Add MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 to MBEDTLS_SSL_CIPHERSUITES in firmware/configs/field-2x.h.");
  // The generic reading stays as a second opinion.
  REQUIRE(findings.size() == 2);
  CHECK(findings[1].id == diagnosis::FindingId::kConnectionResetAfterClientHello);
}

TEST_CASE("a reset after a ClientHello the server could have accepted is not a suite problem") {
  auto build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x50, 2);
  ServerView server{
      {suite(0xc02b)}, {}, capture_with_hello({0xc02b, 0x00ff}, servers::ConnectionEnd::kFailedWithReset)};
  auto findings = diagnose({client, build, server, "firmware/configs/field-2x.h"});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].id == diagnosis::FindingId::kConnectionResetAfterClientHello);
}

TEST_CASE("a SHA-1 root on a build without SHA-1 is named, with the macro for the line") {
  auto build = field_2x();
  auto client = failed(tls::Stage::kLoadTrust, -0x262e);
  ServerView server{
      {}, {cert("root", "RSA", 2048, "sha1", true, std::nullopt), cert("leaf", "RSA", 2048, "sha256", false, 0)}, {}};
  auto findings = diagnose({client, build, server, "firmware/configs/field-2x.h"});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].id == diagnosis::FindingId::kCaSignatureHashDisabled);
  CHECK_THAT(findings[0].fix, Contains("#define MBEDTLS_SHA1_C in firmware/configs/field-2x.h"));

  SECTION("with SHA-1 on, the same code is not blamed on the hash") {
    build.sha1 = true;
    CHECK(diagnose({client, build, server, "p.h"})[0].id == diagnosis::FindingId::kUnexplained);
  }
}

TEST_CASE("an RSA key larger than MBEDTLS_MPI_MAX_SIZE gives the size it needs") {
  auto build = field_2x();
  auto client = failed(tls::Stage::kLoadTrust, -0x3b00);
  ServerView server{
      {}, {cert("root", "RSA", 4096, "sha256", true, std::nullopt), cert("leaf", "RSA", 2048, "sha256", false, 0)}, {}};
  auto findings = diagnose({client, build, server, "p.h"});
  REQUIRE(findings[0].id == diagnosis::FindingId::kRsaKeyTooLargeForMpi);
  CHECK_THAT(findings[0].fix, Contains("#define MBEDTLS_MPI_MAX_SIZE 512"));

  SECTION("keys within the limit: not this rule") {
    build.mpi_max_size = 512;
    CHECK(diagnose({client, build, server, "p.h"})[0].id == diagnosis::FindingId::kUnexplained);
  }
}

TEST_CASE("a record larger than the input buffer gives the buffer size that holds it") {
  auto build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x7100, 3);
  auto capture = capture_with_hello({0xc02b}, servers::ConnectionEnd::kClientClosed);
  capture.records_sent = {{22, 80, 2, false}, {22, 2807, 11, false}};
  ServerView server{{suite(0xc02b)}, {}, capture};
  auto findings = diagnose({client, build, server, "p.h"});
  REQUIRE(findings[0].id == diagnosis::FindingId::kRecordTooLargeForInputBuffer);
  CHECK_THAT(findings[0].summary, Contains("Certificate record is 2807 bytes") && Contains("holds 2048"));
  CHECK_THAT(findings[0].fix, Contains("#define MBEDTLS_SSL_IN_CONTENT_LEN 4096"));

  SECTION("records that fit: not this rule") {
    build.in_content_len = 4096;
    CHECK(diagnose({client, build, server, "p.h"})[0].id == diagnosis::FindingId::kUnexplained);
  }
}

TEST_CASE("a pass has no findings, a failure no rule explains is 'unexplained', never silent") {
  auto build = field_2x();
  ServerView server{};
  device::ClientReport ok;
  ok.stage = tls::Stage::kDone;
  CHECK(diagnose({ok, build, server, "p.h"}).empty());
  auto findings = diagnose({failed(tls::Stage::kSetup, -0x7f00), build, server, "p.h"});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].id == diagnosis::FindingId::kUnexplained);
  CHECK_THAT(findings[0].summary, Contains("-0x7f00"));
}

TEST_CASE("an untrusted chain: an issuer sent before the certificate it signed is named as out of order") {
  device::BuildFacts build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x2700, 3);
  client.verify_flags = 0x08;
  // The client verified the leaf and its issuer, then found no issuer for that.
  client.peer_chain = {{0, "CN=leaf", "CN=intermediate 2", "EC", 256, "SHA256", 0},
                       {1, "CN=intermediate 2", "CN=intermediate 1", "EC", 256, "SHA256", 0x08}};
  ServerView server{
      {},
      {cert("root", "EC", 256, "sha256", true, std::nullopt), cert("intermediate 1", "EC", 256, "sha256", false, 1),
       cert("intermediate 2", "EC", 256, "sha256", false, 2), cert("leaf", "EC", 256, "sha256", false, 0)},
      {}};
  auto out_of_order = diagnose({client, build, server, "firmware/configs/field-2x.h"});
  REQUIRE_FALSE(out_of_order.empty());
  CHECK(out_of_order[0].id == diagnosis::FindingId::kUntrustedCa);
  CHECK_THAT(out_of_order[0].summary, Contains("out of order"));

  // The same chain in order, but without the leaf's issuer: missing, not misordered.
  server.chain[1].sent_position = std::nullopt;
  server.chain[2].sent_position = 1;
  auto missing = diagnose({client, build, server, "firmware/configs/field-2x.h"});
  REQUIRE_FALSE(missing.empty());
  CHECK(missing[0].id == diagnosis::FindingId::kUntrustedCa);
  CHECK_THAT(missing[0].summary, !Contains("out of order") && Contains("is missing"));
  CHECK_THAT(missing[0].evidence.back(), Contains("does not send it"));
}

TEST_CASE("a P-384 server key the client's groups lack is a key-type finding, not a suite one") {
  device::BuildFacts build = field_2x();
  build.profile = "p256-only";
  auto client = failed(tls::Stage::kHandshake, -0x7780, 2);
  ServerView server{
      {suite(0xc02b)},
      {cert("root", "EC", 256, "sha256", true, std::nullopt), cert("leaf", "EC", 384, "sha384", false, 0)},
      capture_with_hello({0xc02b, 0xc02c}, servers::ConnectionEnd::kFailedWithAlert)};
  server.connection->verdict = "no shared cipher";
  server.connection->client_hello->groups = {0x0017};
  auto findings = diagnose({client, build, server, "firmware/configs/p256-only.h"});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].id == diagnosis::FindingId::kServerKeyTypeDisabled);
  CHECK_THAT(findings[0].summary, Contains("EC P-384 key") && Contains("secp256r1"));
  CHECK_THAT(findings[0].fix, Contains("MBEDTLS_ECP_DP_SECP384R1_ENABLED in firmware/configs/p256-only.h"));

  // With P-384 offered the key is usable: the rule holds back.
  server.connection->client_hello->groups = {0x0017, 0x0018};
  for (const auto& f : diagnose({client, build, server, "firmware/configs/p256-only.h"})) {
    CHECK(f.id != diagnosis::FindingId::kServerKeyTypeDisabled);
  }
}

TEST_CASE("an Ed25519 server key: no config line helps, the server must change its certificate") {
  device::BuildFacts build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x7780, 2);
  ServerView server{
      {suite(0xc02b)},
      {cert("root", "EC", 256, "sha256", true, std::nullopt), cert("leaf", "ED25519", 253, "sha256", false, 0)},
      capture_with_hello({0xc02b, 0xc02c}, servers::ConnectionEnd::kFailedWithAlert)};
  server.connection->verdict = "no shared cipher";
  server.connection->client_hello->groups = {0x0017};
  server.connection->client_hello->signature_algorithms = {0x0403, 0x0503};
  auto findings = diagnose({client, build, server, "firmware/configs/field-2x.h"});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].id == diagnosis::FindingId::kServerKeyTypeDisabled);
  CHECK_THAT(findings[0].summary, Contains("Ed25519 key") && Contains("0x0807"));
  CHECK_THAT(findings[0].fix, Contains("No config line") && Contains("ECDSA P-256"));

  // A client that offered ed25519 could have used it: the rule holds back.
  server.connection->client_hello->signature_algorithms.push_back(0x0807);
  for (const auto& f : diagnose({client, build, server, "firmware/configs/field-2x.h"})) {
    CHECK(f.id != diagnosis::FindingId::kServerKeyTypeDisabled);
  }
}

TEST_CASE("a suite the build has but the application left out is added at run time, not in the config") {
  device::BuildFacts build = field_2x();
  build.ciphersuites = {0xc02b, 0xc02c, 0xc030};
  auto client = failed(tls::Stage::kHandshake, -0x7780, 2);
  ServerView server{
      {suite(0xc030)}, {}, capture_with_hello({0xc02b, 0x00ff}, servers::ConnectionEnd::kFailedWithAlert)};
  server.connection->verdict = "no shared cipher";
  auto findings = diagnose({client, build, server, "firmware/configs/default-16k.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kNoSharedCiphersuite);
  CHECK_THAT(findings[0].fix, Contains("mbedtls_ssl_conf_ciphersuites") && !Contains("MBEDTLS_SSL_CIPHERSUITES in"));
}

TEST_CASE("a server whose suites all need another key than its certificate's is the server's fault") {
  device::BuildFacts build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x7780, 2);
  ServerView server{
      {},
      {cert("root", "RSA", 2048, "sha256", true, std::nullopt), cert("leaf", "RSA", 2048, "sha256", false, 0)},
      capture_with_hello({0xc02b, 0xc02c}, servers::ConnectionEnd::kFailedWithAlert)};
  server.connection->verdict = "no shared cipher";
  auto findings = diagnose({client, build, server, "firmware/configs/field-2x.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kServerSuitesUnusableWithCertificate);
  CHECK_THAT(findings[0].fix, Contains("Fix the server") && Contains("ECDHE-RSA"));
}

TEST_CASE("a certificate not yet valid: the unset clock and a right clock are different findings") {
  device::BuildFacts build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x2700, 3);
  client.verify_flags = 0x0200;
  client.peer_chain = {{0, "CN=leaf", "CN=root", "EC", 256, "SHA256", 0x0200}};
  ServerView server{{}, {cert("root", "EC", 256, "sha256", true, std::nullopt)}, {}};
  Evidence evidence{client, build, server, "p.h", {"cloud.shakedown.test", "now", 2}};
  auto now = diagnose(evidence);
  REQUIRE_FALSE(now.empty());
  CHECK(now[0].id == diagnosis::FindingId::kCertNotYetValid);
  CHECK_THAT(now[0].fix, Contains("notBefore"));

  evidence.setup.time = "1262304000";  // 2010-01-01: a clock far behind
  auto behind = diagnose(evidence);
  CHECK(behind[0].id == diagnosis::FindingId::kCertNotYetValid);
  CHECK_THAT(behind[0].summary, Contains("2010-01-01"));

  evidence.setup.time = "unset";
  CHECK(diagnose(evidence)[0].id == diagnosis::FindingId::kCertNotYetValidClockUnset);
}

TEST_CASE("an expired trusted root is named as the device's CA, not as the server's certificate") {
  device::BuildFacts build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x2700, 3);
  client.verify_flags = 0x01;
  client.peer_chain = {{0, "CN=leaf", "CN=root", "EC", 256, "SHA256", 0},
                       {1, "CN=root", "CN=root", "EC", 256, "SHA256", 0x01}};
  ServerView server{
      {}, {cert("root", "EC", 256, "sha256", true, std::nullopt), cert("leaf", "EC", 256, "sha256", false, 0)}, {}};
  auto findings = diagnose({client, build, server, "p.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kCertExpired);
  CHECK_THAT(findings[0].summary, Contains("root CA the device trusts"));
  CHECK_THAT(findings[0].fix, Contains("CA list"));
}

TEST_CASE("a fatal alert in answer to the ClientHello is named, and internal_error points at the server") {
  device::BuildFacts build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x7780, 2);
  client.alerts_received = {{2, 80}};
  ServerView server{{suite(0xc02b)}, {}, capture_with_hello({0xc02b, 0x00ff}, servers::ConnectionEnd::kMisbehaved)};
  auto findings = diagnose({client, build, server, "p.h"});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].id == diagnosis::FindingId::kAlertAfterClientHello);
  CHECK_THAT(findings[0].summary, Contains("80 (internal_error)"));
  CHECK_THAT(findings[0].fix, Contains("server's log"));

  SECTION("later in the handshake it is not this rule") {
    client.handshake_state = 4;
    CHECK(diagnose({client, build, server, "p.h"})[0].id == diagnosis::FindingId::kUnexplained);
  }
}

TEST_CASE("no hostname: Mbed TLS 3.6 refuses to verify, an older line passes without a name check") {
  device::BuildFacts build = field_2x();
  build.mbedtls_line = "3.6";
  auto refused = failed(tls::Stage::kHandshake, -0x5d80, 3);
  ServerView server{{}, {}, capture_with_hello({0xc02b}, servers::ConnectionEnd::kClientClosed)};
  server.connection->client_hello->server_name = "";
  auto findings = diagnose({refused, build, server, "p.h"});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].id == diagnosis::FindingId::kHostnameNotSet);
  CHECK_THAT(findings[0].fix, Contains("mbedtls_ssl_set_hostname"));

  device::ClientReport ok;
  ok.stage = tls::Stage::kDone;
  ok.peer_chain = {{0, "CN=other.shakedown.test", "CN=root", "EC", 256, "SHA256", 0}};
  auto warned = diagnose({ok, build, server, "p.h"});
  REQUIRE(warned.size() == 1);
  CHECK(warned[0].id == diagnosis::FindingId::kHostnameNotSet);
  CHECK_THAT(warned[0].summary, Contains("Warning") && Contains("other.shakedown.test"));

  server.connection->client_hello->server_name = "cloud.shakedown.test";
  CHECK(diagnose({ok, build, server, "p.h"}).empty());
}

TEST_CASE("a handshake message split over records that the line cannot reassemble") {
  device::BuildFacts build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x7080, 3);
  auto capture = capture_with_hello({0xc02b}, servers::ConnectionEnd::kClientClosed);
  capture.records_sent = {{22, 100, 2, false}, {22, 100, 11, false}, {22, 100, -1, false}};
  capture.transcript = {{false, 1, 150}, {true, 2, 80}, {true, 11, 700}};
  ServerView server{{suite(0xc02b)}, {}, capture};
  auto findings = diagnose({client, build, server, "p.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kHandshakeMessageFragmented);
  CHECK_THAT(findings[0].summary, Contains("Certificate message (704 bytes)") && Contains("at most 100 bytes"));
  CHECK_THAT(findings[0].fix, Contains("Mbed TLS 3.6"));

  SECTION("messages that each fit their record: not this rule") {
    server.connection->transcript = {{true, 2, 80}};
    CHECK(diagnose({client, build, server, "p.h"})[0].id == diagnosis::FindingId::kUnexplained);
  }
}

TEST_CASE("no shared signature algorithm: OpenSSL's verdict, or RSA-PSS offered by 3.6 and refused in TLS 1.2") {
  device::BuildFacts build = field_2x();
  ServerView server{
      {suite(0xc030)},
      {cert("root", "RSA", 2048, "sha256", true, std::nullopt), cert("leaf", "RSA", 2048, "sha256", false, 0)},
      capture_with_hello({0xc030, 0x00ff}, servers::ConnectionEnd::kFailedWithAlert)};
  server.max_version = tls::Version::kTls1_2;
  server.connection->client_hello->signature_algorithms = {0x0403, 0x0401};
  // The server signs only with RSA-PSS, which the client does not offer
  // (scenarios/ciphersuites/12-rsa-pss-only-tls12).
  server.signature_algorithms = "RSA-PSS+SHA256";
  server.connection->verdict = "no shared signature algorithms";
  auto refused = failed(tls::Stage::kHandshake, -0x7780, 2);
  refused.alerts_received = {{2, 40}};
  auto findings = diagnose({refused, build, server, "p.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kNoSharedSignatureAlgorithm);
  CHECK_THAT(findings[0].fix, Contains("RSA+SHA256"));

  build.mbedtls_line = "3.6";
  server.connection->verdict = "sslv3 alert illegal parameter";
  server.connection->client_hello->signature_algorithms = {0x0403, 0x0804, 0x0401};
  auto rejected = failed(tls::Stage::kHandshake, -0x6600, 4);
  rejected.alerts_sent = {{2, 47}};
  findings = diagnose({rejected, build, server, "p.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kNoSharedSignatureAlgorithm);
  CHECK_THAT(findings[0].summary, Contains("RSA-PSS (0804)") && Contains("-0x6600"));

  SECTION("the same code on an ECDSA certificate is not this rule") {
    server.chain[1].key_type = "EC";
    for (const auto& f : diagnose({rejected, build, server, "p.h"}))
      CHECK(f.id != diagnosis::FindingId::kNoSharedSignatureAlgorithm);
  }
}

TEST_CASE(
    "versions: a TLS 1.2 ClientHello without supported_versions takes no TLS 1.1 on 3.6 or with AEAD-only suites") {
  device::BuildFacts build = field_2x();
  build.mbedtls_line = "3.6";
  auto client = failed(tls::Stage::kHandshake, -0x7780, 2);
  ServerView server{
      {suite(0xc014)}, {}, capture_with_hello({0xc02b, 0xc02c, 0x00ff}, servers::ConnectionEnd::kFailedWithAlert)};
  server.min_version = server.max_version = tls::Version::kTls1_1;
  server.connection->verdict = "no shared cipher";
  auto findings = diagnose({client, build, server, "p.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kProtocolVersionMismatch);
  CHECK_THAT(findings[0].summary, Contains("offers TLS 1.2."));
  CHECK_THAT(findings[0].fix, Contains("Upgrade the server"));

  build.mbedtls_line = "2.28";  // 2.28 may take TLS 1.1, but not with these suites
  CHECK(diagnose({client, build, server, "p.h"})[0].id == diagnosis::FindingId::kProtocolVersionMismatch);

  server.connection->client_hello->cipher_suites = {0xc02b, 0xc013};  // a CBC-SHA suite TLS 1.1 can use
  CHECK(diagnose({client, build, server, "p.h"})[0].id != diagnosis::FindingId::kProtocolVersionMismatch);
}

TEST_CASE("versions: a client capped below the server at run time is told to raise its maximum") {
  device::BuildFacts build = field_2x();
  build.mbedtls_line = "3.6";
  build.tls1_3 = true;
  auto client = failed(tls::Stage::kHandshake, -0x7780, 2);
  ServerView server{{}, {}, capture_with_hello({0xc02b}, servers::ConnectionEnd::kFailedWithAlert)};
  server.min_version = server.max_version = tls::Version::kTls1_3;
  auto findings = diagnose({client, build, server, "p.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kProtocolVersionMismatch);
  CHECK_THAT(findings[0].fix, Contains("mbedtls_ssl_conf_max_tls_version"));
}

TEST_CASE("an untrusted chain: a skipped SHA-1 intermediate, a refused issuer, the server's own root") {
  device::BuildFacts build = field_2x();  // no SHA-1
  auto client = failed(tls::Stage::kHandshake, -0x2700, 3);
  client.verify_flags = 0x08;
  client.peer_chain = {{0, "CN=leaf", "CN=intermediate 1", "EC", 256, "SHA256", 0x08}};
  ServerView server{{},
                    {cert("root", "EC", 256, "sha256", true, std::nullopt),
                     cert("intermediate 1", "EC", 256, "sha1", false, 1), cert("leaf", "EC", 256, "sha256", false, 0)},
                    {}};
  auto skipped = diagnose({client, build, server, "firmware/configs/field-2x.h"});
  REQUIRE_FALSE(skipped.empty());
  CHECK(skipped[0].id == diagnosis::FindingId::kServerCertSignatureHashRejected);
  CHECK_THAT(skipped[0].summary, Contains("MBEDTLS_SHA1_C") && Contains("skips"));

  // With SHA-1 in the build the intermediate parses: it was there, but refused as the issuer.
  build.sha1 = true;
  server.chain[1].path_length = 0;
  client.peer_chain = {{0, "CN=leaf", "CN=intermediate 2", "EC", 256, "SHA256", 0},
                       {1, "CN=intermediate 2", "CN=intermediate 1", "EC", 256, "SHA256", 0x08}};
  auto refused = diagnose({client, build, server, "p.h"});
  REQUIRE_FALSE(refused.empty());
  CHECK(refused[0].id == diagnosis::FindingId::kUntrustedCa);
  CHECK_THAT(refused[0].summary, Contains("refuses it as the issuer") && Contains("pathLenConstraint is 0"));

  // A chain that ends at a self-signed root the device does not have.
  client.peer_chain = {{0, "CN=leaf", "CN=other root", "EC", 256, "SHA256", 0},
                       {1, "CN=other root", "CN=other root", "EC", 256, "SHA256", 0x08}};
  auto own_root = diagnose({client, build, server, "p.h"});
  REQUIRE_FALSE(own_root.empty());
  CHECK(own_root[0].id == diagnosis::FindingId::kUntrustedCa);
  CHECK_THAT(own_root[0].summary, Contains("ends at its own root 'CN=other root'"));
}

TEST_CASE("an IP address as hostname on Mbed TLS 2.28 is named as the cause of the mismatch") {
  device::BuildFacts build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x2700, 3);
  client.verify_flags = 0x04;
  client.peer_chain = {{0, "CN=127.0.0.1", "CN=root", "EC", 256, "SHA256", 0x04}};
  ServerView server{{}, {cert("leaf", "EC", 256, "sha256", false, 0)}, {}};
  Evidence evidence{client, build, server, "p.h", {"127.0.0.1", "now", 2}};
  auto findings = diagnose(evidence);
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kHostnameMismatch);
  CHECK_THAT(findings[0].summary, Contains("by its address") && Contains("iPAddress"));

  evidence.setup.hostname = "cloud.shakedown.test";
  CHECK_THAT(diagnose(evidence)[0].summary, !Contains("by its address"));
}

TEST_CASE("a handshake header split over records is refused by every line") {
  device::BuildFacts build = field_2x();
  build.mbedtls_line = "3.6";
  auto client = failed(tls::Stage::kHandshake, -0x7200, 2);
  auto capture = capture_with_hello({0xc02b}, servers::ConnectionEnd::kClientClosed);
  capture.records_sent = {{22, 1, 2, false}, {22, 1, -1, false}};
  capture.transcript = {{true, 2, 80}};
  ServerView server{{suite(0xc02b)}, {}, capture};
  auto findings = diagnose({client, build, server, "p.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kHandshakeMessageFragmented);
  CHECK_THAT(findings[0].summary, Contains("4-byte header") && Contains("2.28 and 3.6"));

  SECTION("the same code with whole headers in every record is not this rule") {
    server.connection->records_sent = {{22, 100, 2, false}};
    for (const auto& f : diagnose({client, build, server, "p.h"}))
      CHECK(f.id != diagnosis::FindingId::kHandshakeMessageFragmented);
  }
}

TEST_CASE("heap: a failed allocation in the signature check shows as an untrusted chain under a budget") {
  device::BuildFacts build = field_2x();
  build.heap_capacity = 1048576;
  auto client = failed(tls::Stage::kHandshake, -0x2700, 3);
  client.verify_flags = 0x08;
  client.heap_budget = 26000;
  client.heap_peak = 22932;
  client.peer_chain = {{0, "CN=leaf", "CN=root", "EC", 256, "SHA256", 0x08}};
  ServerView server{
      {}, {cert("root", "EC", 256, "sha256", true, std::nullopt), cert("leaf", "EC", 256, "sha256", false, 0)}, {}};
  auto findings = diagnose({client, build, server, "p.h"});
  REQUIRE(findings.size() >= 2);
  CHECK(findings[0].id == diagnosis::FindingId::kHeapExhausted);
  CHECK_THAT(findings[0].summary, Contains("26000-byte budget"));
  CHECK(findings[1].id == diagnosis::FindingId::kUntrustedCa);

  SECTION("without a budget the same flags are the chain's own") {
    client.heap_budget = 1048576;
    CHECK(diagnose({client, build, server, "p.h"})[0].id == diagnosis::FindingId::kUntrustedCa);
  }
}

TEST_CASE("records that fit but a handshake message that does not: max fragment length cannot help") {
  device::BuildFacts build = field_2x();
  build.mbedtls_line = "3.6";
  auto client = failed(tls::Stage::kHandshake, -0x7100, 3);
  auto capture = capture_with_hello({0xc02b}, servers::ConnectionEnd::kClientClosed);
  capture.client_hello->max_fragment_length = 512;
  capture.records_sent = {{22, 512, 2, false}, {22, 512, -1, false}};
  capture.transcript = {{true, 2, 80}, {true, 11, 2803}};
  ServerView server{{suite(0xc02b)}, {}, capture};
  auto findings = diagnose({client, build, server, "firmware/configs/field-2x.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kHandshakeMessageTooLargeForInputBuffer);
  CHECK_THAT(findings[0].summary, Contains("Certificate message is 2807 bytes") && Contains("holds 2048"));
  CHECK_THAT(findings[0].fix, Contains("#define MBEDTLS_SSL_IN_CONTENT_LEN 4096"));
}

TEST_CASE("without the server's capture (s_server): versions from the build, fragmentation from the client") {
  device::BuildFacts build = field_2x();
  ServerView server{};
  server.min_version = server.max_version = tls::Version::kTls1_3;
  auto refused = failed(tls::Stage::kHandshake, -0x7780, 2);
  refused.alerts_received = {{2, 70}};
  auto findings = diagnose({refused, build, server, "firmware/configs/field-2x.h"});
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kProtocolVersionMismatch);
  CHECK_THAT(findings[0].summary, Contains("no higher than TLS 1.2"));

  server.min_version = server.max_version = tls::Version::kTls1_2;  // the versions overlap: not a version problem
  auto other = diagnose({refused, build, server, "p.h"});
  CHECK(other[0].id == diagnosis::FindingId::kAlertAfterClientHello);
  CHECK_THAT(other[0].summary, !Contains("middlebox"));

  auto fragmented = failed(tls::Stage::kHandshake, -0x7080, 3);
  fragmented.largest_record_received = 512;
  fragmented.records_received = 3;
  auto f = diagnose({fragmented, build, server, "p.h"});
  REQUIRE_FALSE(f.empty());
  CHECK(f[0].id == diagnosis::FindingId::kHandshakeMessageFragmented);
  build.mbedtls_line = "3.6";  // 3.6 reassembles: FEATURE_UNAVAILABLE means something else there
  CHECK(diagnose({fragmented, build, server, "p.h"})[0].id == diagnosis::FindingId::kUnexplained);
}

TEST_CASE("a key the verify profile refuses: a short RSA key is named with its size, another key generally") {
  device::BuildFacts build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x2700, 3);
  client.verify_flags = 0x10000;
  client.peer_chain = {{0, "CN=cloud.shakedown.test", "CN=root", "RSA", 1024, "SHA256", 0x10000},
                       {1, "CN=root", "CN=root", "RSA", 2048, "SHA256", 0}};
  ServerView server{
      {}, {cert("root", "RSA", 2048, "sha256", true, {}), cert("leaf", "RSA", 1024, "sha256", false, 0)}, {}};
  Evidence evidence{client, build, server, "p.h", {"cloud.shakedown.test", "now", 2}};
  auto findings = diagnose(evidence);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].id == diagnosis::FindingId::kCertKeyTooWeak);
  CHECK_THAT(findings[0].summary, Contains("'CN=cloud.shakedown.test'") && Contains("RSA-1024") && Contains("2048"));
  CHECK_THAT(findings[0].fix, Contains("2048 bits or more"));

  client.peer_chain[0].key_type = "EC";
  client.peer_chain[0].key_bits = 224;
  CHECK_THAT(diagnose(evidence)[0].summary, Contains("a curve or size") && !Contains("RSA-"));

  client.verify_flags = client.peer_chain[0].verify_flags = 0x08;  // not trusted: another finding speaks
  CHECK(diagnose(evidence)[0].id != diagnosis::FindingId::kCertKeyTooWeak);
}

TEST_CASE("a weak root is named as the refused key, not the leaf Mbed TLS flags for it") {
  device::BuildFacts build = field_2x();
  auto client = failed(tls::Stage::kHandshake, -0x2700, 3);
  client.verify_flags = 0x10000;
  // Mbed TLS flags the leaf: its issuer's (the root's) key is the refused one.
  client.peer_chain = {{0, "CN=cloud.shakedown.test", "CN=root", "RSA", 2048, "SHA256", 0x10000},
                       {1, "CN=root", "CN=root", "RSA", 512, "SHA256", 0}};
  ServerView server{
      {}, {cert("root", "RSA", 512, "sha256", true, {}), cert("leaf", "RSA", 2048, "sha256", false, 0)}, {}};
  Evidence evidence{client, build, server, "p.h", {"cloud.shakedown.test", "now", 2}};
  const auto findings = diagnose(evidence);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].id == diagnosis::FindingId::kCertKeyTooWeak);
  CHECK_THAT(findings[0].summary, Contains("'CN=root' has an RSA-512 key") &&
                                      Contains("Mbed TLS flags 'CN=cloud.shakedown.test', which it signed"));
  CHECK_THAT(findings[0].fix, Contains("trust list"));
}

TEST_CASE("heap: PSA crypto that cannot start under a budget is named, with the entropy status hedged") {
  device::BuildFacts build = field_2x();
  build.mbedtls_line = "3.6";
  build.heap_capacity = 65536;
  auto client = failed(tls::Stage::kSetup, -0x8d);
  client.heap_budget = 1000;
  ServerView server{{}, {}, {}};
  Evidence evidence{client, build, server, "p.h", {"cloud.shakedown.test", "now", 2}};
  auto findings = diagnose(evidence);
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kHeapExhausted);
  CHECK_THAT(findings[0].summary, Contains("PSA_ERROR_INSUFFICIENT_MEMORY") && Contains("1000-byte heap budget"));

  client.result = -0x94;
  client.heap_budget = 2000;
  findings = diagnose(evidence);
  REQUIRE_FALSE(findings.empty());
  CHECK(findings[0].id == diagnosis::FindingId::kHeapExhausted);
  CHECK_THAT(findings[0].summary, Contains("Most likely the heap") && Contains("the entropy source is the cause"));

  client.heap_budget = 0;  // no budget imposed: nothing says it is the heap
  CHECK(diagnose(evidence)[0].id == diagnosis::FindingId::kUnexplained);
}
