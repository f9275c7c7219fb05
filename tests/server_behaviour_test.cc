// Each behaviour of the scripted test server, checked by a real client (the
// client core on Mbed TLS, over real sockets): what the client saw, and what
// the server's capture recorded. Runs once per Mbed TLS line ([default-16k]).

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "getrandom_entropy.h"
#include "posix_clock.h"
#include "posix_transport.h"
#include "shakedown/core/build_facts.h"
#include "shakedown/core/client.h"
#include "subprocess.h"
#include "test_server.h"
#include "test_support.h"

namespace {

using namespace shakedown;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

using test::kHostname;

class NullLog final : public core::LogSink {
 public:
  void write(core::LogSource, int, std::string_view) override {}
};

struct Outcome {
  core::HandshakeReport report;
  std::optional<servers::ConnectionCapture> capture;
};

Outcome run(servers::EndpointConfig config, core::ClientOptions options = {}) {
  servers::TestServer server(config);
  const uint16_t port = server.start();
  const auto ca = test::pem_for_mbedtls(config.chain->root().pem);
  sim::PosixTransport transport;
  sim::PosixClock clock;
  sim::GetrandomEntropy entropy;
  NullLog log;
  core::Client client(transport, clock, entropy, log, test::heap());
  options.server_address = "127.0.0.1";
  options.server_port = port;
  options.ca_certificates = ca;
  if (options.read_timeout_ms == 10'000) options.read_timeout_ms = 3'000;
  Outcome out{client.connect(options), std::nullopt};
  client.close();
  if (server.wait_for_captures(1, 5s)) out.capture = server.captures().front();
  return out;
}

core::ClientOptions with_hostname() {
  core::ClientOptions o;
  o.hostname = kHostname;
  return o;
}

std::string name(const core::HandshakeReport& r) {
  return r.result_name;
}

bool has_message(const servers::ConnectionCapture& c, bool from_server, uint8_t type) {
  for (const auto& m : c.transcript) {
    if (m.from_server == from_server && m.type == type) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("server resets after the ClientHello: the client reads MBEDTLS_ERR_NET_CONN_RESET", "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.after_client_hello = servers::AfterClientHello::kReset;
  auto o = run(config, with_hostname());
  CHECK(name(o.report) == "MBEDTLS_ERR_NET_CONN_RESET");
  REQUIRE(o.capture);
  CHECK(o.capture->end == servers::ConnectionEnd::kMisbehaved);
  CHECK(o.capture->behaviour == "reset after the ClientHello");
  REQUIRE(o.capture->client_hello);
  CHECK_FALSE(o.capture->client_hello->cipher_suites.empty());
  CHECK(o.capture->records_sent.empty());
}

TEST_CASE("server closes after the ClientHello: the client reads MBEDTLS_ERR_SSL_CONN_EOF", "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.after_client_hello = servers::AfterClientHello::kClose;
  auto o = run(config, with_hostname());
  CHECK(name(o.report) == "MBEDTLS_ERR_SSL_CONN_EOF");
  REQUIRE(o.capture);
  CHECK(o.capture->behaviour == "closed after the ClientHello");
}

TEST_CASE("server stays silent: the client's read timeout ends it with MBEDTLS_ERR_SSL_TIMEOUT", "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.after_client_hello = servers::AfterClientHello::kSilence;
  auto options = with_hostname();
  options.read_timeout_ms = 300;
  auto o = run(config, options);
  CHECK(name(o.report) == "MBEDTLS_ERR_SSL_TIMEOUT");
  CHECK(o.report.duration_ms >= 300);
  REQUIRE(o.capture);
  CHECK(o.capture->behaviour == "silent after the ClientHello");
}

TEST_CASE("server sends alert 70 after the ClientHello: both sides record it", "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.after_client_hello = servers::AfterClientHello::kAlert;
  config.alert_description = 70;
  auto o = run(config, with_hostname());
  CHECK(name(o.report) == "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
  REQUIRE(o.report.alerts_received_count == 1);
  CHECK(o.report.alerts_received[0].description == 70);
  REQUIRE(o.capture);
  REQUIRE(o.capture->alerts.size() >= 1);
  CHECK(o.capture->alerts[0].from_server);
  CHECK(o.capture->alerts[0].description == 70);
}

TEST_CASE("server stalls before its Certificate: a short read timeout fails there, a long one waits it out",
          "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.stall_before = 11;
  config.stall_for = 600ms;
  auto options = with_hostname();
  options.read_timeout_ms = 200;
  auto short_wait = run(config, options);
  CHECK(name(short_wait.report) == "MBEDTLS_ERR_SSL_TIMEOUT");
  REQUIRE(short_wait.capture);
  CHECK(short_wait.capture->behaviour == "stalled 600 ms before Certificate");
  options.read_timeout_ms = 3'000;
  auto long_wait = run(config, options);
  CHECK(long_wait.report.stage == core::Stage::kDone);
  CHECK(long_wait.report.duration_ms >= 600);
}

TEST_CASE("server splits its handshake into 200-byte records", "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.record_size = 200;
  auto o = run(config, with_hostname());
  REQUIRE(o.capture);
  for (const auto& r : o.capture->records_sent) {
    if (!r.encrypted && r.content_type == 22) CHECK(r.length <= 200);
  }
  CHECK(o.report.received.largest_record <= 200);
  // Reassembling handshake messages across records came to Mbed TLS's TLS
  // code in 3.6; 2.28 refuses them. Either way the run says what happened.
  if (std::string(core::build_facts().mbedtls_line) == "3.6") {
    CHECK(o.report.stage == core::Stage::kDone);
  } else {
    CHECK(o.report.stage == core::Stage::kHandshake);
    INFO(o.report.result_name);
    CHECK(o.report.result != 0);
  }
}

TEST_CASE("server dribbles its bytes 64 at a time: slow, but the handshake completes", "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.dribble_bytes = 64;
  config.dribble_every = 5ms;
  auto o = run(config, with_hostname());
  CHECK(o.report.stage == core::Stage::kDone);
  CHECK(o.report.duration_ms >= 50);  // well over ten 5 ms pauses
  REQUIRE(o.capture);
  CHECK(has_message(*o.capture, true, 11));
}

TEST_CASE("session tickets on and off: a NewSessionTicket only when on", "[default-16k]") {
  auto config = test::tls12_endpoint();
  auto on = run(config, with_hostname());
  REQUIRE(on.capture);
  CHECK(has_message(*on.capture, true, 4));
  config.session_tickets = false;
  auto off = run(config, with_hostname());
  REQUIRE(off.capture);
  CHECK(off.report.stage == core::Stage::kDone);
  CHECK_FALSE(has_message(*off.capture, true, 4));
}

TEST_CASE("server demands a client certificate the device does not have", "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.client_auth = servers::ClientAuth::kRequire;
  config.client_ca = &test::ec_chain();
  auto o = run(config, with_hostname());
  CHECK(o.report.stage == core::Stage::kHandshake);
  // The alert races the client's last flight: the client reads the alert,
  // or the reset of a socket closed with its flight unread.
  CHECK_THAT(name(o.report), Catch::Matchers::Equals("MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE") ||
                                 Catch::Matchers::Equals("MBEDTLS_ERR_NET_CONN_RESET"));
  REQUIRE(o.capture);
  CHECK(has_message(*o.capture, true, 13));   // CertificateRequest
  CHECK(has_message(*o.capture, false, 11));  // the client's (empty) Certificate
  CHECK_THAT(o.capture->verdict, Contains("certificate"));
  REQUIRE_FALSE(o.capture->alerts.empty());
  CHECK(o.capture->alerts.back().from_server);
}

TEST_CASE("server picks its certificate by SNI, and refuses a ClientHello without one", "[default-16k]") {
  const servers::Chain other = servers::issue_chain(
      {{{*servers::KeySpec::parse("ec-p256"), "sha256", 0}, {*servers::KeySpec::parse("ec-p256"), "sha256", 0}},
       "other.shakedown.test"},
      SHAKEDOWN_TEST_PKI_CACHE);
  auto config = test::tls12_endpoint();
  config.chain = &other;
  config.sni_chains = {{kHostname, &test::ec_chain()}};
  auto named = run(config, with_hostname());
  INFO(named.report.result_name);
  CHECK(named.report.stage == core::Stage::kDone);
  REQUIRE(named.report.peer_chain_count >= 1);
  CHECK_THAT(std::string(named.report.peer_chain[0].subject), Contains(kHostname));

  config.require_sni = true;
  auto anonymous = run(config, {});
  CHECK(name(anonymous.report) == "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
  REQUIRE(anonymous.report.alerts_received_count == 1);
  CHECK(anonymous.report.alerts_received[0].description == 112);  // unrecognized_name
}

TEST_CASE("server restricted to P-384: the client reports the group, the capture the client's offer", "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.groups = "P-384";
  auto options = with_hostname();
  options.max_fragment_length = 1024;
  auto o = run(config, options);
  INFO(o.report.result_name);
  CHECK(o.report.stage == core::Stage::kDone);
  CHECK(o.report.group_id == 0x0018);
  REQUIRE(o.capture);
  REQUIRE(o.capture->client_hello);
  const auto& hello = *o.capture->client_hello;
  CHECK(hello.server_name == kHostname);
  CHECK(hello.max_fragment_length == 1024);
  CHECK(std::find(hello.groups.begin(), hello.groups.end(), 0x0018) != hello.groups.end());
  CHECK_FALSE(hello.signature_algorithms.empty());
  // The plaintext transcript, in order: ClientHello, then the server's first flight.
  REQUIRE(o.capture->transcript.size() >= 5);
  CHECK(o.capture->transcript[0].type == 1);
  CHECK_FALSE(o.capture->transcript[0].from_server);
  CHECK(o.capture->transcript[1].type == 2);
  CHECK(o.capture->transcript[1].from_server);
}

TEST_CASE("a captured connection opens in tshark, and with its key log the Finished messages decrypt",
          "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.capture_dir = std::filesystem::path(SHAKEDOWN_TEST_OUT) / "captured-run" / core::build_facts().mbedtls_line;
  std::filesystem::remove_all(config.capture_dir);
  auto o = run(config, with_hostname());
  REQUIRE(o.report.stage == core::Stage::kDone);
  REQUIRE(o.capture);
  REQUIRE_FALSE(o.capture->pcap_path.empty());
  INFO("tshark: " SHAKEDOWN_TSHARK " (install it: ci/setup does)");
  REQUIRE(std::filesystem::exists(SHAKEDOWN_TSHARK));
  auto tshark = [&](const std::string& keys, const std::string& filter) {
    auto r = process::run_process({SHAKEDOWN_TSHARK, "-n", "-r", o.capture->pcap_path, "-o", "tls.keylog_file:" + keys,
                                   "-Y", filter, "-T", "fields", "-e", "tls.handshake.type"},
                                  30s);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  const std::string with_keys = tshark(o.capture->key_log_path, "tls.handshake.type == 20");
  const std::string without_keys = tshark("", "tls.handshake.type == 20");
  INFO(with_keys);
  CHECK(std::count(with_keys.begin(), with_keys.end(), '\n') == 2);  // the client's and the server's Finished
  CHECK(without_keys.empty());
  CHECK_THAT(tshark(o.capture->key_log_path, "tls.handshake"), Contains("11,12,14"));  // Certificate, SKE, Done
}

TEST_CASE("max fragment length: honoured, the server's records fit what the client asked, ignored, they do not",
          "[default-16k]") {
  const servers::Chain big = servers::issue_chain(
      {{{*servers::KeySpec::parse("ec-p256"), "sha256", 0}, {*servers::KeySpec::parse("ec-p256"), "sha256", 40}},
       kHostname},
      SHAKEDOWN_TEST_PKI_CACHE);
  auto config = test::tls12_endpoint();
  config.chain = &big;
  auto options = with_hostname();
  options.max_fragment_length = 1024;
  auto largest_plaintext = [](const servers::ConnectionCapture& c) {
    size_t largest = 0;
    for (const auto& r : c.records_sent) {
      if (!r.encrypted && r.content_type == 22) largest = std::max(largest, r.length);
    }
    return largest;
  };
  auto honoured = run(config, options);
  REQUIRE(honoured.capture);
  REQUIRE(honoured.capture->client_hello);
  CHECK(honoured.capture->client_hello->max_fragment_length == 1024);
  CHECK(largest_plaintext(*honoured.capture) <= 1024);

  config.ignore_max_fragment_length = true;
  auto ignored = run(config, options);
  REQUIRE(ignored.capture);
  CHECK(largest_plaintext(*ignored.capture) > 1024);
  CHECK(ignored.report.received.largest_record > 1024);
}

TEST_CASE("server sends the chain it is told to: leaf only, intermediates reversed, an unrelated extra certificate",
          "[default-16k]") {
  // root(0), an unrelated self-signed CA(1), two intermediates(2, 3) under the root, leaf(4).
  servers::ChainSpec spec{{}, kHostname};
  for (int i = 0; i < 5; ++i) spec.certs.push_back({*servers::KeySpec::parse("ec-p256")});
  spec.certs[1].issuer = 1;
  spec.certs[2].issuer = 0;
  const servers::Chain chain = servers::issue_chain(spec, SHAKEDOWN_TEST_PKI_CACHE);
  auto config = test::tls12_endpoint();
  config.chain = &chain;
  // The Certificate message's body: a 3-byte list length, then each
  // certificate with its own 3-byte length.
  auto certificate_body = [&](std::initializer_list<size_t> sent) {
    size_t size = 3;
    for (size_t i : sent) size += 3 + chain.certs[i].der_size;
    return size;
  };
  auto certificate_sent = [](const servers::ConnectionCapture& c) -> size_t {
    for (const auto& m : c.transcript) {
      if (m.from_server && m.type == 11) return m.length;
    }
    return 0;
  };

  config.send = {4};
  auto leaf_only = run(config, with_hostname());
  REQUIRE(leaf_only.capture);
  CHECK(certificate_sent(*leaf_only.capture) == certificate_body({4}));
  CHECK(name(leaf_only.report) == "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
  CHECK((leaf_only.report.verify_flags & 0x08) != 0);  // MBEDTLS_X509_BADCERT_NOT_TRUSTED

  // Out of order: the root's child before the leaf's issuer. Mbed TLS looks
  // for a certificate's parent only among those after it (TLS 1.2 requires
  // the order), so it stops at the leaf's issuer and does not trust it.
  config.send = {4, 2, 3};
  auto reversed = run(config, with_hostname());
  REQUIRE(reversed.capture);
  CHECK(certificate_sent(*reversed.capture) == certificate_body({4, 2, 3}));
  CHECK(name(reversed.report) == "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
  CHECK(reversed.report.peer_chain_count == 2);  // leaf, 3
  CHECK((reversed.report.verify_flags & 0x08) != 0);

  // An extra certificate that belongs to no path is sent and ignored.
  config.send = {4, 3, 2, 1};
  auto extra = run(config, with_hostname());
  REQUIRE(extra.capture);
  CHECK(certificate_sent(*extra.capture) == certificate_body({4, 3, 2, 1}));
  INFO(extra.report.result_name);
  CHECK(extra.report.stage == core::Stage::kDone);
  CHECK(extra.report.peer_chain_count == 4);
}

TEST_CASE("signature algorithms: the server signs with one the client offered, or refuses when there is none",
          "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.signature_algorithms = "ECDSA+SHA384";
  auto shared = run(config, with_hostname());
  INFO(shared.report.result_name);
  CHECK(shared.report.stage == core::Stage::kDone);
  REQUIRE(shared.capture);
  REQUIRE(shared.capture->client_hello);
  const auto& offered = shared.capture->client_hello->signature_algorithms;
  CHECK(std::find(offered.begin(), offered.end(), 0x0503) != offered.end());  // ecdsa_secp384r1_sha384

  // Neither line offers ECDSA with SHA-1 by default.
  config.signature_algorithms = "ECDSA+SHA1";
  auto none = run(config, with_hostname());
  CHECK(name(none.report) == "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
  REQUIRE(none.capture);
  INFO(none.capture->verdict);
  CHECK_THAT(none.capture->verdict, Contains("signature"));
  REQUIRE(none.capture->client_hello);
  const auto& offered_then = none.capture->client_hello->signature_algorithms;
  CHECK(std::find(offered_then.begin(), offered_then.end(), 0x0203) == offered_then.end());  // ecdsa_sha1
}

TEST_CASE("first exchange: the server echoes the request, on the newest version both sides have", "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.max_version = "tls1.3";
  static constexpr uint8_t kRequest[] = {'p', 'i', 'n', 'g', '\n'};
  auto options = with_hostname();
  options.first_request = kRequest;
  auto o = run(config, options);
  INFO(o.report.result_name);
  CHECK(o.report.stage == core::Stage::kDone);
  CHECK(o.report.reply_bytes == sizeof kRequest);
  CHECK(std::string(o.report.version) == (core::build_facts().tls1_3 ? "TLSv1.3" : "TLSv1.2"));
}

TEST_CASE("TLS 1.3 server requiring a client certificate: the handshake completes, the first exchange meets alert 116",
          "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.min_version = config.max_version = "tls1.3";
  config.client_auth = servers::ClientAuth::kRequire;
  config.client_ca = &test::ec_chain();
  static constexpr uint8_t kRequest[] = {'p', 'i', 'n', 'g', '\n'};
  auto options = with_hostname();
  if (!core::build_facts().tls1_3) {  // 2.28: the version itself is refused, long before
    CHECK(run(config, options).report.stage == core::Stage::kHandshake);
    return;
  }
  auto without_exchange = run(config, options);
  CHECK(without_exchange.report.stage == core::Stage::kDone);  // what a handshake-only test would believe
  options.first_request = kRequest;
  auto o = run(config, options);
  CHECK(o.report.stage == core::Stage::kExchange);
  // The server's alert and its reset race the request: the read meets the
  // alert, or the write meets the reset and the alert is read after it.
  const std::string call = o.report.failed_call;
  INFO(call << " returned " << name(o.report));
  CHECK(((call == "mbedtls_ssl_read" && name(o.report) == "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE") ||
         (call == "mbedtls_ssl_write" && name(o.report) == "MBEDTLS_ERR_NET_CONN_RESET")));
  CHECK(std::string(o.report.version) == "TLSv1.3");
  REQUIRE(o.report.alerts_received_count >= 1);
  CHECK(o.report.alerts_received[o.report.alerts_received_count - 1].description == 116);
  REQUIRE(o.capture);
  CHECK(o.capture->end == servers::ConnectionEnd::kFailedWithAlert);
}

TEST_CASE("a pre-shared key: its suites are accepted and negotiated, and another identity meets alert 115",
          "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.ciphersuites = {"PSK-AES128-GCM-SHA256"};
  CHECK(servers::TestServer(config).accepted_suites().empty());  // without a key, no PSK suite
  const std::vector<uint8_t> key = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  config.psk = servers::PreSharedKey{"device-1", key};
  const auto accepted = servers::TestServer(config).accepted_suites();
  REQUIRE(accepted.size() == 1);
  CHECK(accepted[0].id == 0x00a8);

  auto options = with_hostname();
  options.psk = key;
  options.psk_identity = "device-1";
  auto o = run(config, options);
  INFO(o.report.result_name);
  CHECK(o.report.stage == core::Stage::kDone);
  CHECK(std::string(o.report.suite) == "TLS-PSK-WITH-AES-128-GCM-SHA256");

  options.psk_identity = "device-2";
  o = run(config, options);
  CHECK(o.report.stage == core::Stage::kHandshake);
  REQUIRE(o.capture);
  REQUIRE_FALSE(o.capture->alerts.empty());
  CHECK(o.capture->alerts[0].from_server);
  CHECK(o.capture->alerts[0].description == 115);  // unknown_psk_identity
}

TEST_CASE("ECDHE-PSK: the client reports the group, read after the PSK identity hint", "[default-16k]") {
  auto config = test::tls12_endpoint();
  config.ciphersuites = {"ECDHE-PSK-AES128-CBC-SHA256"};
  config.groups = "P-384";
  const std::vector<uint8_t> key = {0x01, 0x23, 0x45, 0x67};
  config.psk = servers::PreSharedKey{"device-1", key};
  auto options = with_hostname();
  options.psk = key;
  options.psk_identity = "device-1";
  auto o = run(config, options);
  INFO(o.report.result_name);
  CHECK(std::string(o.report.suite) == "TLS-ECDHE-PSK-WITH-AES-128-CBC-SHA256");
  CHECK(o.report.group_id == 0x0018);  // secp384r1
}
