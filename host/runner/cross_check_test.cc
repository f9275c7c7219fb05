#include "cross_check.h"

#include <catch2/catch.hpp>

namespace {

using namespace shakedown;
using Catch::Matchers::Contains;

// What a real device reports after a TLS 1.2 pass against our server.
device::ClientReport honest_pass() {
  device::ClientReport r;
  r.stage = tls::Stage::kDone;
  r.result = 0;
  r.version = "TLSv1.2";
  r.suite_id = 0xc02b;
  r.bytes_received = 1400;
  return r;
}

std::optional<servers::ConnectionCapture> server_saw(const char* version, const char* suite) {
  servers::ConnectionCapture c;
  c.end = servers::ConnectionEnd::kHandshakeDone;
  c.negotiated_version = version;
  c.negotiated_suite = suite;
  return c;
}

constexpr uint8_t kOptional = 1, kRequired = 2;

}  // namespace

TEST_CASE("a pass is believed when the report and the server's capture agree") {
  const auto capture = server_saw("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  CHECK_FALSE(runner::disbelieved_pass(honest_pass(), kRequired, &capture));
  // openssl s_server: no capture to join, the report alone is checked.
  CHECK_FALSE(runner::disbelieved_pass(honest_pass(), kRequired, nullptr));
  // With auth_mode optional, verify flags on a pass are the point of the mode.
  auto unverified = honest_pass();
  unverified.verify_flags = 0x08;
  CHECK_FALSE(runner::disbelieved_pass(unverified, kOptional, &capture));
}

TEST_CASE("a failure is never second-guessed here: only passes are joined") {
  auto failed = honest_pass();
  failed.stage = tls::Stage::kHandshake;
  failed.result = -0x7780;
  const std::optional<servers::ConnectionCapture> none;
  CHECK_FALSE(runner::disbelieved_pass(failed, kRequired, &none));
}

TEST_CASE("a pass that contradicts itself or the server is disbelieved, naming both sides") {
  const auto capture = server_saw("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  auto alert = honest_pass();
  alert.alerts_received.push_back({2, 40});
  CHECK_THAT(*runner::disbelieved_pass(alert, kRequired, &capture), Contains("it also received fatal alert 40"));

  auto silent = honest_pass();
  silent.bytes_received = 0;
  CHECK_THAT(*runner::disbelieved_pass(silent, kRequired, &capture), Contains("no bytes from the server"));

  auto unverified = honest_pass();
  unverified.verify_flags = 0xffffffff;
  CHECK_THAT(*runner::disbelieved_pass(unverified, kRequired, &capture), Contains("verify flags 0xffffffff"));

  const std::optional<servers::ConnectionCapture> none;
  CHECK_THAT(*runner::disbelieved_pass(honest_pass(), kRequired, &none),
             Contains("the test server saw no finished connection"));

  auto refused = server_saw("", "");
  refused->end = servers::ConnectionEnd::kFailedWithAlert;
  refused->verdict = "no shared cipher";
  CHECK_THAT(*runner::disbelieved_pass(honest_pass(), kRequired, &refused), Contains("(no shared cipher)"));

  const auto tls13 = server_saw("TLSv1.3", "TLS_AES_128_GCM_SHA256");
  const auto why = runner::disbelieved_pass(honest_pass(), kRequired, &tls13);
  REQUIRE(why);
  CHECK_THAT(*why, Contains("the server negotiated TLSv1.3, the device reports TLSv1.2"));
  CHECK_THAT(*why, Contains("TLS_AES_128_GCM_SHA256 (1301), the device reports suite c02b"));
}
