#include "runner.h"

#include "report_json.h"
#include "scenario_loader.h"
#include "sim_builds.h"
#include "sim_target.h"

#include <catch2/catch.hpp>

namespace {

using namespace shakedown;
using scenario::Expectation;

device::ClientReport report(tls::Stage stage, int32_t code) {
  device::ClientReport r;
  r.stage = stage;
  r.result = code;
  r.result_name = "NAME";
  return r;
}

std::vector<diagnosis::Finding> finding(diagnosis::FindingId id) {
  return {{id, "", {}, ""}};
}

}  // namespace

TEST_CASE("a result matches its expectation only when result, error and primary finding all do") {
  Expectation fail_reset{Expectation::Result::kFail, diagnosis::FindingId::kNoSharedCiphersuite, -0x50, 1};
  CHECK(runner::judge(fail_reset, report(tls::Stage::kHandshake, -0x50),
                      finding(diagnosis::FindingId::kNoSharedCiphersuite))
            .empty());
  CHECK(runner::judge(fail_reset, report(tls::Stage::kHandshake, -0x7780),
                      finding(diagnosis::FindingId::kNoSharedCiphersuite)) ==
        "expected error -0x0050, got -0x7780 (NAME)");
  CHECK(runner::judge(fail_reset, report(tls::Stage::kHandshake, -0x50),
                      finding(diagnosis::FindingId::kConnectionResetAfterClientHello)) ==
        "expected finding no-shared-ciphersuite, got connection-reset-after-client-hello");
  CHECK(runner::judge(fail_reset, report(tls::Stage::kDone, 0), {}) == "expected a failure, got a pass");

  Expectation pass{Expectation::Result::kPass, std::nullopt, std::nullopt, 1};
  CHECK(runner::judge(pass, report(tls::Stage::kDone, 0), {}).empty());
  CHECK(runner::judge(pass, report(tls::Stage::kHandshake, -0x50), finding(diagnosis::FindingId::kHandshakeTimeout)) ==
        "expected a pass, got -0x0050 (NAME)");
}

TEST_CASE("a pass expected with a warning is unexpected when no warning, or another one, came with it") {
  Expectation warned{Expectation::Result::kPass, diagnosis::FindingId::kVerifyOptionalUntrusted, std::nullopt, 1};
  const auto passed = report(tls::Stage::kDone, 0);
  CHECK(runner::judge(warned, passed, finding(diagnosis::FindingId::kVerifyOptionalUntrusted)).empty());
  CHECK(runner::judge(warned, passed, {}) == "expected a pass with finding verify-optional-untrusted, got none");
  CHECK(runner::judge(warned, passed, finding(diagnosis::FindingId::kLegacyProtocolNegotiated)) ==
        "expected a pass with finding verify-optional-untrusted, got legacy-protocol-negotiated");
}

TEST_CASE("a pass that negotiated other parameters than pinned is unexpected, naming each difference") {
  device::ClientReport r = report(tls::Stage::kDone, 0);
  r.version = "TLSv1.2";
  r.suite_id = 0xc02f;
  r.group_id = 0x001d;
  Expectation pinned{Expectation::Result::kPass, std::nullopt, std::nullopt, 1, {0x0303, 0xc02f, 0x001d, 0x0804}};
  CHECK(runner::judge(pinned, r, {}, uint16_t{0x0804}).empty());
  CHECK(runner::judge(pinned, r, {}, uint16_t{0x0401}) ==
        "expected signature rsa_pss_rsae_sha256, got rsa_pkcs1_sha256");
  CHECK(runner::judge(pinned, r, {}) == "expected signature rsa_pss_rsae_sha256, got none");
  Expectation other{Expectation::Result::kPass, std::nullopt, std::nullopt, 1, {0x0304, 0xc030, 0x0017, {}}};
  CHECK(runner::judge(other, r, {}) ==
        "expected version TLSv1.3, got TLSv1.2; suite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030), got "
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f); group secp256r1, got x25519");
  // A failure pins nothing: the failure is judged as before.
  CHECK(runner::judge(pinned, report(tls::Stage::kHandshake, -0x50), {}) == "expected a pass, got -0x0050 (NAME)");
}

TEST_CASE("a read timeout while bytes were on their way is the target's network, not a verdict") {
  struct Row {
    const char* what;
    size_t server_sent, server_received;  // record payload bytes, one record each way
    uint32_t device_received, device_sent;
    bool no_capture, stall;
    bool held;
  };
  auto row = GENERATE(values<Row>({
      {"the server's flight never arrived", 2000, 295, 0, 300, false, false, true},
      {"part of it arrived", 2000, 295, 1800, 300, false, false, true},
      {"the ClientHello never reached the server", 0, 0, 0, 300, true, false, true},
      {"everything arrived: the server went silent", 2000, 295, 2005, 300, false, false, false},
      {"a stall of the scenario's", 2000, 295, 0, 300, false, true, false},
  }));
  device::ClientReport r = report(tls::Stage::kHandshake, -0x6800);
  r.bytes_received = row.device_received;
  r.bytes_sent = row.device_sent;
  servers::ConnectionCapture capture;
  if (row.server_sent) capture.records_sent.push_back({22, row.server_sent, 2, false});
  if (row.server_received) capture.records_received.push_back({22, row.server_received, 1, false});
  servers::EndpointConfig config;
  if (row.stall) {
    config.stall_before = 11;
    config.stall_for = std::chrono::milliseconds(6000);
  }
  INFO(row.what);
  CHECK(runner::held_in_transit(r, row.no_capture ? nullptr : &capture, config).has_value() == row.held);
  // Another failure is never taken for one.
  r.result = -0x7780;
  CHECK_FALSE(runner::held_in_transit(r, row.no_capture ? nullptr : &capture, config));
}

TEST_CASE("a missing simulator build is an infrastructure error, not a result") {
  scenario::Scenario s;
  s.name = "suite/case";
  scenario::Cell cell{"9.9", "no-such-profile", {}};
  targets::SimTarget sim("/nonexistent/libexec");
  runner::Runner r({.pki_cache = SHAKEDOWN_TEST_PKI_CACHE}, sim);
  auto result = r.run_cell(s, cell);
  CHECK(result.verdict == runner::Verdict::kInfrastructureError);
  CHECK_THAT(result.why, Catch::Matchers::Contains("no simulator build for Mbed TLS 9.9 with profile no-such-profile"));
}

namespace {

// TEST FAKE of a Target: the first `failures` handshakes fail as `failure`
// says, the rest go to a real simulator target; it records what it was asked.
class FlakyTarget final : public targets::Target {
 public:
  FlakyTarget(int failures, bool link_failure) : failures_(failures), link_failure_(link_failure) {}
  std::string name() const override { return "sim"; }
  std::optional<std::string> unavailable(const std::string& line, const std::string& profile) const override {
    return sim_.unavailable(line, profile);
  }
  targets::HandshakeOutcome handshake(const targets::HandshakeRequest& request) override {
    fresh.push_back(request.fresh_instance);
    if (static_cast<int>(fresh.size()) > failures_) return sim_.handshake(request);
    targets::HandshakeOutcome failed;
    failed.infrastructure_error =
        link_failure_ ? "attempt " + std::to_string(fresh.size()) + ": the device hung up" : "no route to the server";
    failed.device_link_failed = link_failure_;
    return failed;
  }
  std::vector<bool> fresh;  // each handshake's request.fresh_instance

 private:
  int failures_;
  bool link_failure_;
  targets::SimTarget sim_{sim::default_sim_build_dir()};
};

struct RetryRig {
  scenario::Scenario scenario =
      scenario::load_scenario(std::filesystem::path(SHAKEDOWN_SCENARIOS_DIR) / "field/01-suite-mismatch.yaml");
  const scenario::Cell& cell(const std::string& profile) const {
    for (const auto& c : scenario.cells) {
      if (c.mbedtls_line == "3.6" && c.profile == profile) return c;
    }
    throw std::runtime_error("no 3.6 " + profile + " cell");
  }
  runner::CellResult run(targets::Target& target, const std::string& profile = "field-fixed") const {
    return runner::Runner({.pki_cache = SHAKEDOWN_TEST_PKI_CACHE}, target).run_cell(scenario, cell(profile));
  }
};

}  // namespace

TEST_CASE("a cell whose device link failed runs again on a fresh instance, and the result says so") {
  RetryRig rig;
  FlakyTarget target(1, true);
  const auto r = rig.run(target);
  CHECK(r.verdict == runner::Verdict::kAsExpected);
  CHECK(r.attempts == 2);
  CHECK(r.earlier_attempts == std::vector<std::string>{"attempt 1: the device hung up"});
  CHECK(target.fresh == std::vector<bool>{false, true});
  const auto json = runner::to_json(r);
  CHECK(json["attempts"] == 2);
  CHECK(json["earlier_attempts"][0] == "attempt 1: the device hung up");
}

TEST_CASE("a device link that keeps failing is retried twice, then stays an infrastructure error") {
  RetryRig rig;
  FlakyTarget target(5, true);
  const auto r = rig.run(target);
  CHECK(r.verdict == runner::Verdict::kInfrastructureError);
  CHECK(r.attempts == 3);
  CHECK(r.why == "attempt 3: the device hung up");
  CHECK(r.earlier_attempts.size() == 2);
  CHECK(target.fresh == std::vector<bool>{false, true, true});
}

TEST_CASE("only the device link's failures are retried: other infrastructure errors and verdicts are not") {
  RetryRig rig;
  FlakyTarget other(1, false);
  const auto failed = rig.run(other);
  CHECK(failed.verdict == runner::Verdict::kInfrastructureError);
  CHECK(failed.attempts == 1);
  CHECK(other.fresh.size() == 1);

  FlakyTarget healthy(0, true);
  const auto verdict = rig.run(healthy, "field-2x");  // a failing handshake, as expected
  CHECK(verdict.verdict == runner::Verdict::kAsExpected);
  CHECK_FALSE(verdict.report.passed());
  CHECK(verdict.attempts == 1);
  CHECK(healthy.fresh.size() == 1);
  CHECK(runner::to_json(verdict)["attempts"] == 1);
}
