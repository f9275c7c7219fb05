#pragma once
// Hand-made evidence for the diagnosis rules' tests: a Fixture owns what an
// Evidence refers to, on_line() gives a build of an Mbed TLS line, and small
// steps add a failure, a ClientHello, a chain or a log. Test-only.

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "diagnosis.h"
#include "shakedown/tls/cipher_suite.h"

namespace shakedown::diagnosis::test_support {

using tls::Version;

// The profile file every fix must point at.
inline constexpr const char* kProfile = "firmware/configs/field.h";

// Evidence that owns its parts (Evidence holds references).
struct Fixture {
  device::ClientReport client;
  device::BuildFacts build;
  ServerView server;
  ClientSetup setup{.hostname = "cloud.shakedown.test"};
  std::optional<ClientLogView> log;

  Evidence evidence() const { return {client, build, server, kProfile, setup, log ? &*log : nullptr}; }
};

// A build of `line` with SHA-256/384, RSA, ECDSA and TLS 1.2 (and TLS 1.3 on
// 3.6); a server of TLS 1.2 only.
inline Fixture on_line(std::string_view line) {
  Fixture f;
  f.build.mbedtls_line = std::string(line);
  f.build.profile = "field";
  f.build.mpi_max_size = 256;
  f.build.in_content_len = 2048;
  f.build.out_content_len = 2048;
  f.build.heap_capacity = 100'000;
  f.build.sha256 = f.build.sha384 = f.build.rsa = f.build.ecdsa = f.build.tls1_2 = true;
  f.build.tls1_3 = line == "3.6";
  f.build.ciphersuites = {0xc02b, 0xc02c, 0xc02f};
  f.server.min_version = f.server.max_version = Version::kTls1_2;
  return f;
}

inline servers::SuiteName suite(uint16_t id) {
  const tls::CipherSuite* s = tls::cipher_suite(id);
  REQUIRE(s != nullptr);
  return {id, std::string(s->openssl_name), std::string(s->iana_name)};
}

inline void fail(Fixture& f, uint32_t magnitude, int state = 2, tls::Stage stage = tls::Stage::kHandshake) {
  f.client.stage = stage;
  f.client.result = -static_cast<int32_t>(magnitude);
  f.client.failed_call = "mbedtls_ssl_handshake";
  f.client.handshake_state = state;
}

inline void pass(Fixture& f, const char* version = "TLSv1.2") {
  f.client.stage = tls::Stage::kDone;
  f.client.result = 0;
  f.client.version = version;
  f.client.suite = "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256";
}

// The server's capture of a TLS 1.2 ClientHello offering P-256 and X25519,
// ECDSA and RSA PKCS#1 with SHA-256, and a server name.
inline servers::ClientHelloCapture& hello(Fixture& f, std::vector<uint16_t> suites = {0xc02b, 0x00ff}) {
  servers::ConnectionCapture c;
  servers::ClientHelloCapture h;
  h.legacy_version = 0x0303;
  h.cipher_suites = std::move(suites);
  h.groups = {0x0017, 0x001d};
  h.signature_algorithms = {0x0403, 0x0401};
  h.server_name = "cloud.shakedown.test";
  c.client_hello = h;
  c.end = servers::ConnectionEnd::kFailedWithAlert;
  f.server.connection = c;
  return *f.server.connection->client_hello;
}

// `sent`: its place in the server's Certificate message; none: not sent.
inline CertInfo cert(const char* role, const char* key, int bits, const char* hash, bool trusted,
                     std::optional<size_t> sent) {
  return {role, std::string("/CN=") + role, key, bits, std::string(hash) + "WithRSAEncryption", hash, 900, trusted,
          sent};
}

// A trusted root, and a leaf for cloud.shakedown.test with the key given.
inline void chain(Fixture& f, const char* key = "RSA", int bits = 2048) {
  f.server.chain = {cert("root", "RSA", 2048, "sha256", true, std::nullopt),
                    cert("leaf", key, bits, "sha256", false, 0)};
  f.server.chain[1].dns_names = {"cloud.shakedown.test"};
}

inline device::PeerCertificate peer(int depth, const char* subject, const char* issuer, uint32_t flags = 0,
                                    const char* md = "sha256", int bits = 2048) {
  return {depth, subject, issuer, "RSA", bits, md, flags};
}

// Only the client's log is known (`shakedown explain`).
inline void from_log(Fixture& f) {
  f.server.known = false;
  f.log.emplace();
}

inline void alert_in(Fixture& f, uint8_t description) {
  f.client.alerts_received.push_back({2, description});
}

// Every header of an Mbed TLS tree's include/ folder, as one text: where a
// fix's macros and calls must be found.
inline std::string headers_of(const std::filesystem::path& tree) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(tree / "include")) {
    if (entry.path().extension() != ".h") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    all += text.str();
  }
  return all;
}

// The Mbed TLS macros and calls a fix names, in order; a family such as
// MBEDTLS_ECP_DP_* is no name and is left out.
inline std::vector<std::string> names_in_fix(const std::string& fix) {
  static const std::regex name("\\b(MBEDTLS_[A-Z0-9_]+|PSA_WANT_[A-Z0-9_]+|mbedtls_[a-z0-9_]+)\\b(?!\\*)");
  std::vector<std::string> out;
  for (std::sregex_iterator it(fix.begin(), fix.end(), name), end; it != end; ++it) {
    if (!(*it)[1].str().ends_with("_")) out.push_back((*it)[1]);
  }
  return out;
}

// Whether `headers` (headers_of) have `name`: a call's declaration, a macro's #define.
inline bool defined_in(const std::string& headers, const std::string& name) {
  if (name[0] == 'm') return std::regex_search(headers, std::regex("\\b" + name + "\\s*\\("));
  return std::regex_search(headers, std::regex("#\\s*define\\s+" + name + "\\b"));
}

}  // namespace shakedown::diagnosis::test_support
