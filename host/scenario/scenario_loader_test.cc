#include "scenario_loader.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

namespace {

using namespace shakedown::scenario;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

const char* kGood = R"(summary: a good scenario
pki:
  - {key: rsa-2048, hash: sha1}
  - {key: ec-p256}
server:
  versions: [tls1.2]
  ciphersuites: [ECDHE-RSA-AES256-GCM-SHA384]
  on_handshake_failure: reset
client:
  hostname: cloud.shakedown.test
  mbedtls: ["2.28", "3.6"]
expect:
  field-2x: {result: fail, finding: no-shared-ciphersuite, error: -0x0050}
  field-2x@3.6: {result: fail, error: -0x7780}
  field-fixed: {result: pass}
)";

// Writes `text` as <tmp>/<folder>/<name>.yaml and returns its path.
fs::path write_scenario(const std::string& text, const std::string& name = "case") {
  static const fs::path dir =
      fs::temp_directory_path() / ("shakedown-loader-test-" + std::to_string(::getpid())) / "suite";
  fs::create_directories(dir);
  fs::path file = dir / (name + ".yaml");
  std::ofstream(file) << text;
  return file;
}

// kGood with one line replaced.
std::string good_with(const std::string& from, const std::string& to) {
  std::string text = kGood;
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a good scenario loads into a cell per line and profile, the line-specific expectation winning") {
  Scenario s = load_scenario(write_scenario(kGood, "good"));
  CHECK(s.name == "suite/good");
  CHECK(s.chain.certs.size() == 2);
  CHECK(s.chain.certs[0].signature_hash == "sha1");
  CHECK(s.chain.hostname == "cloud.shakedown.test");
  CHECK(s.server.min_version == "tls1.2");
  CHECK(s.server.max_version == "tls1.2");
  CHECK(s.server.on_handshake_failure == shakedown::servers::OnHandshakeFailure::kReset);
  REQUIRE(s.cells.size() == 4);
  CHECK(s.cells[0].mbedtls_line == "2.28");
  CHECK(s.cells[0].profile == "field-2x");
  CHECK(s.cells[0].expect.finding == shakedown::diagnosis::FindingId::kNoSharedCiphersuite);
  CHECK(s.cells[0].expect.error == -0x50);
  CHECK(s.cells[2].mbedtls_line == "3.6");
  CHECK(s.cells[2].expect.error == -0x7780);
  CHECK_FALSE(s.cells[2].expect.finding);
  CHECK(s.cells[3].expect.result == Expectation::Result::kPass);
  CHECK_FALSE(s.client.exchange);
  CHECK(load_scenario(write_scenario(good_with("  hostname: cloud.shakedown.test\n",
                                               "  hostname: cloud.shakedown.test\n  exchange: true\n"),
                                     "exchange"))
            .client.exchange);
}

TEST_CASE("a target-specific expectation applies on that target only, for all lines or one") {
  Scenario s =
      load_scenario(write_scenario(good_with("  field-fixed: {result: pass}\n",
                                             "  field-fixed: {result: pass}\n  field-fixed@qemu: {result: fail}\n"
                                             "  field-2x@2.28@qemu: {result: pass}\n"),
                                   "on-target"));
  REQUIRE(s.cells.size() == 4);
  // 2.28 field-2x, 2.28 field-fixed, 3.6 field-2x, 3.6 field-fixed
  CHECK(s.cells[0].expect_on("qemu").result == Expectation::Result::kPass);
  CHECK(s.cells[0].expect_on("sim").result == Expectation::Result::kFail);
  CHECK(s.cells[1].expect_on("qemu").result == Expectation::Result::kFail);
  CHECK(s.cells[1].expect_on("sim").result == Expectation::Result::kPass);
  CHECK(s.cells[2].expect_on("qemu").error == -0x7780);  // no override for 3.6 field-2x on qemu
  CHECK(s.cells[3].expect_on("qemu").result == Expectation::Result::kFail);
}

TEST_CASE("bad scenarios are refused with file:line: what is wrong") {
  struct Case {
    const char* what;
    std::string text;
    int line;
    const char* message;
  };
  auto c = GENERATE(values<Case>({
      {"unknown key", good_with("  on_handshake_failure: reset", "  on_handshake_falure: reset"), 8,
       "unknown key 'on_handshake_falure' in server"},
      {"wrong type", good_with("  versions: [tls1.2]", "  versions: tls1.2"), 6,
       "'versions' in server must be a list of strings"},
      {"missing field", good_with("  hostname: cloud.shakedown.test\n", ""), 9, "missing field 'hostname' in client"},
      {"unknown finding", good_with("finding: no-shared-ciphersuite", "finding: no-shared-suite"), 13,
       "unknown finding 'no-shared-suite' in expect.field-2x"},
      {"bad error code", good_with("error: -0x0050", "error: reset"), 13,
       "'error' in expect.field-2x must be a negative code"},
      {"unknown key type", good_with("{key: ec-p256}", "{key: ec-p257}"), 4,
       "'key' in pki[1] must be rsa-<bits>, ec-p256"},
      {"unknown version", good_with("[tls1.2]", "[tls1.4]"), 6, "unknown version 'tls1.4' in server.versions"},
      {"a pass with an error code",
       good_with("field-fixed: {result: pass}", "field-fixed: {result: pass, error: -0x0050}"), 15,
       "expect.field-fixed expects a pass, so it can name no error"},
      {"a line not in client.mbedtls", good_with("field-2x@3.6:", "field-2x@3.7:"), 14,
       "expect.field-2x@3.7: '3.7' is neither a Mbed TLS line in client.mbedtls nor a target"},
      {"an unknown target", good_with("field-2x@3.6:", "field-2x@3.6@fpga:"), 14,
       "expect.field-2x@3.6@fpga: 'fpga' is neither"},
      {"not YAML", good_with("  - {key: ec-p256}", "  - {key: ec-p256"), 5, "not valid YAML"},
      {"a misbehaviour s_server cannot play",
       good_with("  on_handshake_failure: reset", "  on_handshake_failure: reset\n  peer: openssl-s_server"), 9,
       "openssl s_server cannot play this server: on_handshake_failure"},
      {"a chain of one", good_with("  - {key: ec-p256}\n", ""), 3, "'pki' must be a list of at least two"},
      {"exchange not a boolean",
       good_with("  hostname: cloud.shakedown.test\n", "  hostname: cloud.shakedown.test\n  exchange: once\n"), 11,
       "'exchange' in client must be true or false"},
      {"an exchange with s_server, which does not echo",
       good_with("  on_handshake_failure: reset\nclient:\n  hostname: cloud.shakedown.test\n",
                 "  peer: openssl-s_server\nclient:\n  hostname: cloud.shakedown.test\n  exchange: true\n"),
       11, "'exchange' needs shakedown's own server"},
  }));
  INFO(c.what);
  const fs::path file = write_scenario(c.text);
  REQUIRE_THROWS_AS(load_scenario(file), LoadError);
  REQUIRE_THROWS_WITH(load_scenario(file),
                      StartsWith(file.string() + ":" + std::to_string(c.line) + ": ") && Contains(c.message));
}

TEST_CASE("a missing path and an empty folder are refused by name") {
  CHECK_THROWS_WITH(load_scenarios("/nonexistent/scenarios"), Contains("/nonexistent/scenarios: no such scenario"));
  const fs::path empty = fs::temp_directory_path() / ("shakedown-empty-" + std::to_string(::getpid()));
  fs::create_directories(empty);
  CHECK_THROWS_WITH(load_scenarios(empty), Contains("no *.yaml scenario files"));
}

TEST_CASE("the repository's scenarios all load") {
  auto scenarios = load_scenarios(SHAKEDOWN_SCENARIOS_DIR);
  CHECK(scenarios.size() >= 4);
}
