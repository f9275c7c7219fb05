// The client core, as built for one (Mbed TLS line, profile), against the
// real OpenSSL test server over real loopback sockets. Built once per build;
// each binary runs the cases tagged with its profile.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "getrandom_entropy.h"
#include "posix_clock.h"
#include "posix_transport.h"
#include "shakedown/core/build_facts.h"
#include "shakedown/core/client.h"
#include "test_server.h"
#include "test_support.h"

namespace {

using namespace shakedown;
using servers::KeySpec;

constexpr const char* kHostname = "cloud.shakedown.test";

// Collects the device log, so a failing case can show it.
class CollectingLogSink final : public core::LogSink {
 public:
  void write(core::LogSource, int, std::string_view line) override { text.append(line).append("\n"); }
  std::string text;
};

servers::CertSpec cert(const char* key, const char* hash = "sha256", int extra_sans = 0) {
  return {*KeySpec::parse(key), hash, extra_sans};
}

std::vector<uint8_t> read_pem(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.push_back(0);  // PEM reaches Mbed TLS NUL-terminated
  return bytes;
}

struct Handshake {
  core::HandshakeReport report;
  std::vector<servers::ConnectionCapture> captures;
  std::string log;
};

// Serves `chain_spec` with `config` and runs one handshake of the core.
Handshake handshake_with(std::vector<servers::CertSpec> certs, servers::EndpointConfig config,
                         sim::PosixClock clock = sim::PosixClock()) {
  servers::ChainSpec spec{std::move(certs), kHostname};
  servers::Chain chain = servers::issue_chain(spec, SHAKEDOWN_TEST_PKI_CACHE);
  config.chain = &chain;
  servers::TestServer server(config);
  const uint16_t port = server.start();

  const auto ca = read_pem(chain.root_pem_path());
  sim::PosixTransport transport;
  sim::GetrandomEntropy entropy;
  CollectingLogSink log;
  core::Client client(transport, clock, entropy, log, test::heap());
  core::ClientOptions options{.server_address = "127.0.0.1",
                              .server_port = port,
                              .hostname = kHostname,
                              .ca_certificates = ca,
                              .read_timeout_ms = 2'000};
  Handshake h{client.connect(options), {}, {}};
  client.close();
  if (h.report.stage >= core::Stage::kHandshake) server.wait_for_captures(1, std::chrono::seconds(3));
  server.stop();
  h.captures = server.captures();
  h.log = log.text;
  return h;
}

servers::EndpointConfig cloud_server() {
  servers::EndpointConfig c;
  c.min_version = c.max_version = "tls1.2";
  c.ciphersuites = {"ECDHE-RSA-AES256-GCM-SHA384"};
  c.on_handshake_failure = servers::OnHandshakeFailure::kReset;
  return c;
}

servers::EndpointConfig ecdsa_server() {
  servers::EndpointConfig c = cloud_server();
  c.ciphersuites = {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"};
  return c;
}

const std::vector<servers::CertSpec> kRsaChain = {cert("rsa-2048"), cert("rsa-2048")};
const std::vector<servers::CertSpec> kSha1RootChain = {cert("rsa-2048", "sha1"), cert("rsa-2048")};
const std::vector<servers::CertSpec> kRsa4096RootChain = {cert("rsa-4096"), cert("rsa-2048")};
const std::vector<servers::CertSpec> kLongEcChain = {cert("ec-p256"), cert("ec-p256"), cert("ec-p256"),
                                                     cert("ec-p256", "sha256", 40)};

std::string name_of(int32_t code) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "-0x%04x", static_cast<unsigned>(-code));
  return buf;
}

}  // namespace

TEST_CASE("field-2x offers c02b and c02c, and a server wanting ECDHE-RSA resets: -0x0050", "[field-2x]") {
  Handshake h = handshake_with(kRsaChain, cloud_server());
  INFO(h.log);
  CHECK(h.report.stage == core::Stage::kHandshake);
  CHECK(name_of(h.report.result) == "-0x0050");
  CHECK(std::string(h.report.result_name) == "MBEDTLS_ERR_NET_CONN_RESET");
  CHECK(std::string(h.report.result_text).find("reset") != std::string::npos);
  CHECK(std::string(h.report.failed_call) == "mbedtls_ssl_handshake");
  REQUIRE(h.report.offered_suite_count == 3);
  CHECK(h.report.offered_suites[0] == 0xc02b);
  CHECK(h.report.offered_suites[1] == 0xc02c);
  CHECK(h.report.offered_suites[2] == 0x00ff);  // renegotiation-info signal
  REQUIRE(h.captures.size() == 1);
  CHECK(h.captures[0].end == servers::ConnectionEnd::kFailedWithReset);
  CHECK(h.captures[0].verdict == "no shared cipher");
  REQUIRE(h.captures[0].client_hello);
  CHECK(h.captures[0].client_hello->cipher_suites == std::vector<uint16_t>{0xc02b, 0xc02c, 0x00ff});
  CHECK(h.captures[0].client_hello->server_name == kHostname);
}

TEST_CASE("field-2x: the same server answering with an alert reads as -0x7780", "[field-2x]") {
  servers::EndpointConfig config = cloud_server();
  config.on_handshake_failure = servers::OnHandshakeFailure::kAlert;
  Handshake h = handshake_with(kRsaChain, config);
  INFO(h.log);
  CHECK(name_of(h.report.result) == "-0x7780");
  CHECK(std::string(h.report.result_name) == "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
  REQUIRE(h.captures.size() == 1);
  CHECK(h.captures[0].end == servers::ConnectionEnd::kFailedWithAlert);
}

TEST_CASE("field-2x cannot load a root signed with SHA-1 (-0x262e) and never connects", "[field-2x]") {
  Handshake h = handshake_with(kSha1RootChain, cloud_server());
  CHECK(h.report.stage == core::Stage::kLoadTrust);
  CHECK(name_of(h.report.result) == "-0x262e");
  CHECK(std::string(h.report.result_name) == "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + MBEDTLS_ERR_OID_NOT_FOUND");
  CHECK(std::string(h.report.failed_call) == "mbedtls_x509_crt_parse");
  CHECK(h.captures.empty());
}

TEST_CASE("field-2x rejects an RSA-4096 root's key: -0x3b00", "[field-2x]") {
  Handshake h = handshake_with(kRsa4096RootChain, cloud_server());
  CHECK(h.report.stage == core::Stage::kLoadTrust);
  CHECK(name_of(h.report.result) == "-0x3b00");
  CHECK(std::string(h.report.result_name) == "MBEDTLS_ERR_PK_INVALID_PUBKEY");
}

TEST_CASE("field-2x drops a Certificate record larger than its 2 KB input buffer", "[field-2x]") {
  REQUIRE(core::build_facts().in_content_len == 2048);
  Handshake h = handshake_with(kLongEcChain, ecdsa_server());
  INFO(h.log);
  CHECK(h.report.stage == core::Stage::kHandshake);
  CHECK(name_of(h.report.result) == "-0x7100");
  REQUIRE(h.captures.size() == 1);
  const auto* largest = h.captures[0].largest_record();
  REQUIRE(largest != nullptr);
  CHECK(largest->handshake_type == 11);  // Certificate
  CHECK(largest->length > 2048);
}

TEST_CASE("field-2x completes a handshake with a server that speaks its suites", "[field-2x]") {
  Handshake h = handshake_with({cert("ec-p256"), cert("ec-p256")}, ecdsa_server());
  INFO(h.log);
  CHECK(h.report.stage == core::Stage::kDone);
  CHECK(h.report.result == 0);
  CHECK(std::string(h.report.version) == "TLSv1.2");
  CHECK(h.report.suite_id == 0xc02b);
  REQUIRE(h.captures.size() == 1);
  CHECK(h.captures[0].end == servers::ConnectionEnd::kHandshakeDone);
}

TEST_CASE("field-fixed passes each field server", "[field-fixed]") {
  auto [name, chain, config] = GENERATE(table<const char*, std::vector<servers::CertSpec>, servers::EndpointConfig>({
      {"suite mismatch", kRsaChain, cloud_server()},
      {"SHA-1 root", kSha1RootChain, cloud_server()},
      {"RSA-4096 root", kRsa4096RootChain, cloud_server()},
      {"long chain", kLongEcChain, ecdsa_server()},
  }));
  Handshake h = handshake_with(chain, config);
  INFO(name << "\n" << h.log);
  CHECK(h.report.result == 0);
  CHECK(h.report.stage == core::Stage::kDone);
}

TEST_CASE("a clock that is unset makes every certificate not yet valid", "[field-fixed]") {
  Handshake h = handshake_with(kRsaChain, cloud_server(), sim::PosixClock(sim::PosixClock::Unset{}));
  INFO(h.log);
  CHECK(h.report.stage == core::Stage::kHandshake);
  CHECK(std::string(h.report.result_name) == "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
  CHECK((h.report.verify_flags & 0x0200u) != 0);  // MBEDTLS_X509_BADCERT_FUTURE
}

// Transport failures need no TLS server: only a socket that misbehaves.
TEST_CASE("a server that accepts and stays silent ends in MBEDTLS_ERR_SSL_TIMEOUT, not a hang",
          "[field-2x][field-fixed]") {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 1) == 0);  // the kernel completes the connection; nobody answers
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);

  const auto ca = read_pem(servers::issue_chain({kRsaChain, kHostname}, SHAKEDOWN_TEST_PKI_CACHE).root_pem_path());
  sim::PosixTransport transport;
  sim::PosixClock clock;
  sim::GetrandomEntropy entropy;
  CollectingLogSink log;
  core::Client client(transport, clock, entropy, log, test::heap());
  core::ClientOptions options{.server_address = "127.0.0.1",
                              .server_port = ntohs(addr.sin_port),
                              .hostname = kHostname,
                              .ca_certificates = ca,
                              .read_timeout_ms = 200};
  core::HandshakeReport report = client.connect(options);
  ::close(listener);
  CHECK(report.stage == core::Stage::kHandshake);
  CHECK(std::string(report.result_name) == "MBEDTLS_ERR_SSL_TIMEOUT");
  CHECK(report.duration_ms < 2'000);
}

TEST_CASE("the simulator's transport refuses any address outside 127.0.0.0/8", "[field-2x][field-fixed]") {
  sim::PosixTransport transport;
  CHECK(transport.connect("10.0.2.2", 443, 100) == core::IoStatus::kNotAllowed);
  CHECK(transport.connect("cloud.example.com", 443, 100) == core::IoStatus::kNotAllowed);
}
