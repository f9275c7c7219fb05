#include "runner.h"

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

TEST_CASE("a missing simulator build is an infrastructure error, not a result") {
  scenario::Scenario s;
  s.name = "suite/case";
  scenario::Cell cell{"9.9", "no-such-profile", {}};
  targets::SimTarget sim("/nonexistent/libexec");
  runner::Runner r({.pki_cache = "/tmp/unused-pki"}, sim);
  auto result = r.run_cell(s, cell);
  CHECK(result.verdict == runner::Verdict::kInfrastructureError);
  CHECK_THAT(result.why, Catch::Matchers::Contains("no simulator build for Mbed TLS 9.9 with profile no-such-profile"));
}
