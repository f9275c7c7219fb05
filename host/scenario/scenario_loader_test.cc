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

// kGood with one more client option, on line 11.
std::string with_client_option(const std::string& line) {
  return good_with("  hostname: cloud.shakedown.test\n", "  hostname: cloud.shakedown.test\n  " + line + "\n");
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
  CHECK_FALSE(s.server.version_refusal_alert.has_value());
  CHECK(
      load_scenario(write_scenario(good_with("  on_handshake_failure: reset", "  version_refusal_alert: 40"), "alert"))
          .server.version_refusal_alert == 40);
  REQUIRE(s.cells.size() == 4);
  CHECK(s.cells[0].mbedtls_line == "2.28");
  CHECK(s.cells[0].profile == "field-2x");
  CHECK(s.cells[0].expect.finding == shakedown::diagnosis::FindingId::kNoSharedCiphersuite);
  CHECK(s.cells[0].expect.error == -0x50);
  CHECK(s.cells[2].mbedtls_line == "3.6");
  CHECK(s.cells[2].expect.error == -0x7780);
  CHECK_FALSE(s.cells[2].expect.finding);
  CHECK(s.cells[3].expect.result == Expectation::Result::kPass);
  CHECK_FALSE(s.client.exchange());
  CHECK(load_scenario(write_scenario(good_with("  hostname: cloud.shakedown.test\n",
                                               "  hostname: cloud.shakedown.test\n  exchange: true\n"),
                                     "exchange"))
            .client.exchange());
}

TEST_CASE("the client's options load into the device's configuration, absent ones at their defaults") {
  const auto defaults = load_scenario(write_scenario(kGood, "defaults")).client;
  CHECK(defaults.device.hostname == "cloud.shakedown.test");
  CHECK(defaults.device.time == "now");
  CHECK(defaults.device.read_timeout_ms == 5'000);
  CHECK(defaults.device.heap_budget == 0);
  CHECK(defaults.device.auth_mode == 2);
  CHECK(defaults.device.max_fragment_length == 0);
  CHECK(defaults.device.debug_level == 3);
  CHECK_FALSE(defaults.device.min_version);
  CHECK(defaults.device.ciphersuites.empty());
  CHECK(defaults.device.first_request.empty());

  const auto set = load_scenario(write_scenario(good_with("  hostname: cloud.shakedown.test\n",
                                                          "  hostname: cloud.shakedown.test\n"
                                                          "  time: unset\n"
                                                          "  read_timeout_ms: 700\n"
                                                          "  heap_budget: 40000\n"
                                                          "  versions: [tls1.3, tls1.2]\n"
                                                          "  ciphersuites: [c02b, 0xc030]\n"
                                                          "  auth_mode: optional\n"
                                                          "  max_fragment_length: 1024\n"
                                                          "  sni: false\n"
                                                          "  exchange: true\n"
                                                          "  psk: {identity: device-1, key: 00A1ff}\n"),
                                                "options"))
                       .client;
  CHECK(set.hostname == "cloud.shakedown.test");
  CHECK(set.device.hostname.empty());  // sni: false names no server
  CHECK(set.device.time == "unset");
  CHECK(set.device.read_timeout_ms == 700);
  CHECK(set.device.heap_budget == 40'000);
  CHECK(set.device.min_version == 0x0303);
  CHECK(set.device.max_version == 0x0304);
  CHECK(set.device.ciphersuites == std::vector<uint16_t>{0xc02b, 0xc030});
  CHECK(set.device.auth_mode == 1);
  CHECK(set.device.max_fragment_length == 1024);
  CHECK(set.device.first_request == kFirstRequest);
  CHECK(set.device.psk_identity == "device-1");
  CHECK(set.device.psk_key == std::vector<uint8_t>{0x00, 0xa1, 0xff});
  CHECK(defaults.device.psk_key.empty());
}

TEST_CASE("a server's pre-shared key loads into its endpoint, and without one it has none") {
  CHECK_FALSE(load_scenario(write_scenario(kGood, "no-psk")).server.psk);
  const Scenario s = load_scenario(write_scenario(
      good_with("  on_handshake_failure: reset\n",
                "  on_handshake_failure: reset\n  psk: {identity: device-1, key: \"0123456789abcdef\"}\n"),
      "server-psk"));
  REQUIRE(s.server.psk);
  CHECK(s.server.psk->identity == "device-1");
  CHECK(s.server.psk->key == std::vector<uint8_t>{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef});
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
      {"wrong type", good_with("  versions: [tls1.2]", "  versions: {tls: 1.2}"), 6,
       "'versions' in server must be a list of strings"},
      {"missing field", good_with("  hostname: cloud.shakedown.test\n", ""), 9, "missing field 'hostname' in client"},
      {"unknown finding", good_with("finding: no-shared-ciphersuite", "finding: no-shared-suite"), 13,
       "unknown finding 'no-shared-suite' in expect.field-2x"},
      {"bad error code", good_with("error: -0x0050", "error: reset"), 13,
       "'error' in expect.field-2x must be a negative code"},
      {"an error code with two signs", good_with("error: -0x0050", "error: --2147483648"), 13,
       "'error' in expect.field-2x must be a negative code"},
      {"unknown key type", good_with("{key: ec-p256}", "{key: ec-p257}"), 4,
       "'key' in pki[1] must be rsa-<bits>, ec-p256"},
      {"unknown version", good_with("[tls1.2]", "[tls1.4]"), 6, "unknown version 'tls1.4' in server.versions"},
      {"a pass with an error code",
       good_with("field-fixed: {result: pass}", "field-fixed: {result: pass, error: -0x0050}"), 15,
       "expect.field-fixed expects a pass, so it can name no error"},
      {"a line not in client.mbedtls", good_with("field-2x@3.6:", "field-2x@3.7:"), 14,
       "expect.field-2x@3.7: '3.7' is neither a Mbed TLS line in client.mbedtls, a target"},
      {"an unknown target", good_with("field-2x@3.6:", "field-2x@3.6@fpga:"), 14,
       "expect.field-2x@3.6@fpga: 'fpga' is neither"},
      {"not YAML", good_with("  - {key: ec-p256}", "  - {key: ec-p256"), 5, "not valid YAML"},
      {"a misbehaviour s_server cannot play",
       good_with("  on_handshake_failure: reset", "  on_handshake_failure: reset\n  peer: openssl-s_server"), 9,
       "openssl s_server cannot play this server: on_handshake_failure"},
      {"a version refusal alert s_server cannot send",
       good_with("  on_handshake_failure: reset", "  version_refusal_alert: 40\n  peer: openssl-s_server"), 9,
       "openssl s_server cannot play this server: version_refusal_alert"},
      {"a version refusal alert out of range",
       good_with("  on_handshake_failure: reset", "  version_refusal_alert: 400"), 8,
       "'version_refusal_alert' in server"},
      {"a chain of one", good_with("  - {key: ec-p256}\n", ""), 3, "'pki' must be a list of at least two"},
      {"exchange not a boolean",
       good_with("  hostname: cloud.shakedown.test\n", "  hostname: cloud.shakedown.test\n  exchange: once\n"), 11,
       "'exchange' in client must be true or false"},
      {"an exchange with s_server, which does not echo",
       good_with("  on_handshake_failure: reset\nclient:\n  hostname: cloud.shakedown.test\n",
                 "  peer: openssl-s_server\nclient:\n  hostname: cloud.shakedown.test\n  exchange: true\n"),
       11, "'exchange' needs shakedown's own server"},
      {"a client key misspelt", good_with("  hostname: cloud", "  hostnme: cloud"), 10,
       "unknown key 'hostnme' in client (expected one of: hostname, mbedtls, time, read_timeout_ms, heap_budget, "
       "versions, ciphersuites, psk, auth_mode, max_fragment_length, sni, exchange)"},
      {"a client psk key that is not hex", with_client_option("psk: {identity: device-1, key: 0g}"), 11,
       "'key' in client.psk must be hex digits, two per byte"},
      {"a client psk key of an odd number of digits", with_client_option("psk: {identity: device-1, key: abc}"), 11,
       "'key' in client.psk must be hex digits, two per byte"},
      {"a client psk key over 64 bytes",
       with_client_option("psk: {identity: device-1, key: " + std::string(130, 'a') + "}"), 11,
       "'key' in client.psk must be 1 to 64 bytes (got 65)"},
      {"a client psk without an identity", with_client_option("psk: {key: 00}"), 11,
       "missing field 'identity' in client.psk"},
      {"a client psk with an empty identity", with_client_option("psk: {identity: '', key: 00}"), 11,
       "'identity' in client.psk must be 1 to 128 bytes (got 0)"},
      {"a client psk with an unknown key", with_client_option("psk: {identity: a, key: 00, hint: b}"), 11,
       "unknown key 'hint' in client.psk (expected one of: identity, key)"},
      {"a server psk key that is not hex",
       good_with("  on_handshake_failure: reset",
                 "  on_handshake_failure: reset\n  psk:\n    identity: a\n    key: xy"),
       11, "'key' in server.psk must be hex digits, two per byte"},
      {"another identity with s_server, which accepts any",
       good_with("  on_handshake_failure: reset\nclient:\n  hostname: cloud.shakedown.test\n",
                 "  peer: openssl-s_server\n  psk: {identity: a, key: 00}\nclient:\n  hostname: cloud.shakedown.test\n"
                 "  psk: {identity: b, key: 00}\n"),
       12, "a PSK identity other than the server's needs shakedown's own server"},
      {"a server psk that is no mapping",
       good_with("  on_handshake_failure: reset", "  on_handshake_failure: reset\n  psk: 00"), 9,
       "server.psk must be a mapping"},
      {"a fragment length Mbed TLS cannot ask for", with_client_option("max_fragment_length: 1000"), 11,
       "'max_fragment_length' in client must be 512, 1024, 2048 or 4096"},
      {"a fragment length out of range", with_client_option("max_fragment_length: 8192"), 11,
       "'max_fragment_length' in client must be from 0 to 4096"},
      {"a read timeout of 0", with_client_option("read_timeout_ms: 0"), 11,
       "'read_timeout_ms' in client must be from 1 to 600000"},
      {"a heap budget not a number", with_client_option("heap_budget: lots"), 11,
       "'heap_budget' in client must be a whole number"},
      {"an unknown auth mode", with_client_option("auth_mode: always"), 11,
       "'auth_mode' in client must be one of: none, optional, required (got 'always')"},
      {"a time that is none of now, unset, seconds", with_client_option("time: tomorrow"), 11,
       "'time' in client must be now, unset or seconds since 1970"},
      {"an unknown client version", with_client_option("versions: [tls1.4]"), 11,
       "unknown version 'tls1.4' in client.versions (expected one of: tls1.0, tls1.1, tls1.2, tls1.3)"},
      {"a suite that is no id", with_client_option("ciphersuites: [c02]"), 11,
       "'ciphersuites' in client: 'c02' is no cipher suite (give its IANA id such as c02b, or its IANA, OpenSSL or "
       "Mbed TLS name)"},
      {"a suite name misspelt", with_client_option("ciphersuites: [TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA265]"), 11,
       "'ciphersuites' in client: 'TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA265' is no cipher suite"},
      {"a server suite OpenSSL cannot serve",
       good_with("[ECDHE-RSA-AES256-GCM-SHA384]", "[TLS_EMPTY_RENEGOTIATION_INFO_SCSV]"), 7,
       "'ciphersuites' in server: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV' is no suite OpenSSL can serve"},
      {"sni not a boolean", with_client_option("sni: maybe"), 11, "'sni' in client must be true or false"},
      {"no Mbed TLS line", good_with("  mbedtls: [\"2.28\", \"3.6\"]", "  mbedtls: []"), 11,
       "'mbedtls' in client must name at least one line"},
      {"an Mbed TLS line that is a path", good_with("  mbedtls: [\"2.28\", \"3.6\"]", "  mbedtls: [\"../../x\"]"), 11,
       "'mbedtls' in client: no Mbed TLS line '../../x' (expected 2.28 or 3.6)"},
      {"a profile that is a path", good_with("field-fixed:", "../../field-fixed:"), 15,
       "expect.../../field-fixed: no profile '../../field-fixed' (expected one of: default-16k, ecdsa-only, field-2x"},
      {"a list as a key", good_with("summary:", "[summary]:"), 1,
       "a key in the scenario must be a name, not a list or mapping"},
      {"a list as a key in a section", good_with("  versions: [tls1.2]", "  [versions]: [tls1.2]"), 6,
       "a key in server must be a name, not a list or mapping"},
      {"a mapping as a key in expect", good_with("  field-fixed: {result: pass}", "  {field-fixed: 1}: {result: pass}"),
       15, "a key in expect must be a profile (or profile@line), not a list or mapping"},
  }));
  INFO(c.what);
  const fs::path file = write_scenario(c.text);
  REQUIRE_THROWS_AS(load_scenario(file), LoadError);
  REQUIRE_THROWS_WITH(load_scenario(file),
                      StartsWith(file.string() + ":" + std::to_string(c.line) + ": ") && Contains(c.message));
}

TEST_CASE("a list field given one value as a scalar is a list of one") {
  const auto s = parse_scenario(good_with("  versions: [tls1.2]", "  versions: tls1.2"), "suite/one.yaml");
  CHECK(s.server.min_version == "tls1.2");
  CHECK(s.server.max_version == "tls1.2");
}

TEST_CASE("a suite loads to the same cells whichever of the four naming schemes writes it") {
  // ECDHE-RSA-AES128-GCM-SHA256 and TLS 1.3's AES-128-GCM, as ids, IANA, OpenSSL and Mbed TLS name them.
  const std::vector<std::pair<std::string, std::string>> schemes = {
      {"c02f", "0x1301"},
      {"\"0xC0,0x2F\"", "\"0x13,0x01\""},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"},
      {"ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256"},
      {"TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256", "TLS1-3-AES-128-GCM-SHA256"},
      {"tls-ecdhe-rsa-with-aes-128-gcm-sha256", "tls1-3-aes-128-gcm-sha256"},
  };
  for (const auto& [tls12, tls13] : schemes) {
    INFO(tls12 << " " << tls13);
    const std::string list = "[" + tls12 + ", " + tls13 + "]";
    std::string text = good_with("[ECDHE-RSA-AES256-GCM-SHA384]", list);
    const std::string hostname = "  hostname: cloud.shakedown.test\n";
    text.insert(text.find(hostname) + hostname.size(), "  ciphersuites: " + list + "\n");
    const Scenario s = parse_scenario(text, "suite/names.yaml");
    CHECK(s.client.device.ciphersuites == std::vector<uint16_t>{0xc02f, 0x1301});
    CHECK(s.server.ciphersuites == std::vector<std::string>{"ECDHE-RSA-AES128-GCM-SHA256"});
    CHECK(s.server.tls13_ciphersuites == std::vector<std::string>{"TLS_AES_128_GCM_SHA256"});
    CHECK(s.cells.size() == 4);
  }
}

TEST_CASE("each: one file is a scenario per value, named by it, with expectations per value") {
  std::string text = good_with("expect:\n",
                               "each:\n  server.ciphersuites: [ECDHE-RSA-AES256-GCM-SHA384, "
                               "DHE-RSA-AES128-GCM-SHA256]\n  server.groups: [x25519, P-256]\nexpect:\n");
  text += "  field-fixed@DHE-RSA-AES128-GCM-SHA256: {result: fail}\n";
  const auto all = parse_scenarios(text, "suite/each.yaml");
  REQUIRE(all.size() == 4);
  CHECK(all[0].name == "suite/each:ECDHE-RSA-AES256-GCM-SHA384,x25519");
  CHECK(all[1].name == "suite/each:ECDHE-RSA-AES256-GCM-SHA384,P-256");
  CHECK(all[3].name == "suite/each:DHE-RSA-AES128-GCM-SHA256,P-256");
  CHECK(all[0].server.ciphersuites == std::vector<std::string>{"ECDHE-RSA-AES256-GCM-SHA384"});
  CHECK(all[3].server.ciphersuites == std::vector<std::string>{"DHE-RSA-AES128-GCM-SHA256"});
  CHECK(all[1].server.groups == "P-256");
  const auto fixed_on = [](const Scenario& sc, const std::string& line) {
    for (const auto& c : sc.cells) {
      if (c.profile == "field-fixed" && c.mbedtls_line == line) return c.expect.result;
    }
    FAIL("no field-fixed cell");
    return Expectation::Result::kPass;
  };
  CHECK(fixed_on(all[0], "3.6") == Expectation::Result::kPass);
  CHECK(fixed_on(all[2], "3.6") == Expectation::Result::kFail);
  CHECK(fixed_on(all[2], "2.28") == Expectation::Result::kFail);
  CHECK(all[2].cells.size() == all[0].cells.size());
  // A single scenario refuses a matrix file; a path into nothing is refused by line.
  CHECK_THROWS_WITH(parse_scenario(text, "suite/each.yaml"), Contains("suite/each.yaml:13: this file is a matrix"));
  CHECK_THROWS_WITH(parse_scenarios(good_with("expect:\n", "each:\n  expect.x: [a]\nexpect:\n"), "s/e.yaml"),
                    Contains("s/e.yaml:13: each.expect.x: a path starts with server., client. or pki.<index>."));
  std::string huge = "each:\n";
  for (const char* path : {"server.groups", "server.alert", "client.read_timeout_ms", "client.heap_budget"}) {
    huge += std::string("  ") + path + ": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n";
  }
  CHECK_THROWS_WITH(parse_scenarios(good_with("expect:\n", huge + "expect:\n"), "s/e.yaml"),
                    Contains("s/e.yaml:13: each expands to more than 10000 scenarios; split the file"));
  CHECK_THROWS_WITH(parse_scenarios(good_with("expect:\n", "each:\n  server.groups: [a/b]\nexpect:\n"), "s/e.yaml"),
                    Contains("s/e.yaml:13: each.server.groups: 'a/b' cannot name a cell"));
  CHECK_THROWS_WITH(parse_scenarios(good_with("expect:\n",
                                              "each:\n  server.groups: [x25519]\nexpect:\n"
                                              "  field-fixed@P-384: {result: pass}\n"),
                                    "s/e.yaml"),
                    Contains("'P-384' is neither a Mbed TLS line in client.mbedtls, a target (sim, qemu, board) nor "
                             "a value in each"));
}

TEST_CASE("expect can pin the negotiated version, suite, group and signature, by any of their names") {
  const auto s = parse_scenario(
      good_with(
          "field-fixed: {result: pass}",
          "field-fixed: {result: pass, negotiated: {version: tls1.2, suite: TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384, "
          "group: P-256, signature: rsa_pss_rsae_sha256}}"),
      "suite/pinned.yaml");
  const auto& n = s.cells.back().expect.negotiated;
  CHECK(n.version == uint16_t{0x0303});
  CHECK(n.suite == uint16_t{0xc030});
  CHECK(n.group == uint16_t{0x0017});
  CHECK(n.signature == uint16_t{0x0804});
  CHECK_FALSE(s.cells.front().expect.negotiated.any());
  CHECK_THROWS_WITH(parse_scenario(good_with("field-fixed: {result: pass}",
                                             "field-fixed: {result: pass, negotiated: {suite: AES999}}"),
                                   "s/p.yaml"),
                    StartsWith("s/p.yaml:15: ") && Contains("'suite' in expect.field-fixed.negotiated: 'AES999' is no "
                                                            "cipher suite"));
  CHECK_THROWS_WITH(parse_scenario(good_with("field-fixed: {result: pass}",
                                             "field-fixed: {result: fail, negotiated: {version: tls1.2}}"),
                                   "s/p.yaml"),
                    Contains("expect.field-fixed expects a failure, so nothing is negotiated"));
  std::string s_server = good_with("  on_handshake_failure: reset\n", "  peer: openssl-s_server\n");
  const std::string pass = "field-fixed: {result: pass}";
  s_server.replace(s_server.find(pass), pass.size(), "field-fixed: {result: pass, negotiated: {signature: ed25519}}");
  CHECK_THROWS_WITH(parse_scenario(s_server, "s/p.yaml"),
                    Contains("s/p.yaml:15: negotiated.signature needs shakedown's own server"));
}

TEST_CASE("a scenario's text loads as its file does, named and placed in messages by the path given") {
  const Scenario s = parse_scenario(kGood, "suite/good.yaml");
  CHECK(s.name == "suite/good");
  CHECK(s.file == "suite/good.yaml");
  CHECK(s.cells.size() == load_scenario(write_scenario(kGood, "good")).cells.size());
  CHECK_THROWS_WITH(parse_scenario(good_with("  - {key: ec-p256}", "  - {key: ec-p256"), "suite/bad.yaml"),
                    StartsWith("suite/bad.yaml:5: not valid YAML"));
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

namespace {

// A scenario whose server is one the user names; `server` is its server section's body.
std::string external(const std::string& server) {
  return "summary: my device against my server\n"
         "server:\n" +
         server +
         "client:\n"
         "  hostname: broker.example.test\n"
         "expect:\n"
         "  default-16k: {result: pass}\n";
}

}  // namespace

TEST_CASE("an external server loads from its address and the device's trust, beside the scenario") {
  const fs::path trust = write_scenario("", "ca").replace_extension(".pem");
  std::ofstream(trust) << "-----BEGIN CERTIFICATE-----\n";
  const Scenario s =
      load_scenario(write_scenario(external("  peer: external\n  address: 127.0.0.1:8883\n  trust: ca.pem\n"), "ext"));
  CHECK(s.peer == Scenario::Peer::kExternal);
  CHECK(s.external.host == "127.0.0.1");
  CHECK(s.external.port == 8883);
  CHECK(s.external.trust == trust);
  CHECK(s.chain_specs().empty());  // no chain of ours to issue
  CHECK(s.cells.size() == 2);      // both lines, default-16k
  // Without trust the device trusts none (as `connect` without --ca).
  CHECK(load_scenario(write_scenario(external("  peer: external\n  address: localhost:443\n"), "ext-no-trust"))
            .external.trust.empty());
}

TEST_CASE("an external server is refused what only a server of ours can have, with file:line") {
  struct Case {
    const char* what;
    std::string text;
    const char* message;
  };
  auto c = GENERATE(values<Case>({
      {"a pki",
       "summary: x\npki:\n  - {key: ec-p256}\n  - {key: ec-p256}\nserver:\n  peer: external\n  address: localhost:443\n"
       "client:\n  hostname: h.test\nexpect:\n  default-16k: {result: pass}\n",
       ":3: an external server (peer: external) brings its own chain: the scenario has no 'pki'"},
      {"a server setting", external("  peer: external\n  address: localhost:443\n  versions: [tls1.2]\n"),
       ":5: unknown key 'versions' in server (expected one of: peer, address, trust)"},
      {"no port", external("  peer: external\n  address: localhost\n"),
       ":4: 'address' in server must be HOST:PORT, not 'localhost'"},
      {"no address", external("  peer: external\n"), "missing field 'address' in server"},
      {"a trust file that is not there", external("  peer: external\n  address: localhost:443\n  trust: nowhere.pem\n"),
       ":5: 'trust' in server: no file"},
      {"a signature only our server sees",
       external("  peer: external\n  address: localhost:443\n") +
           "  field-2x: {result: pass, negotiated: {signature: rsa_pss_rsae_sha256}}\n",
       "negotiated.signature needs shakedown's own server: only it sees what it signed with, an external server"},
  }));
  INFO(c.what);
  CHECK_THROWS_WITH(load_scenario(write_scenario(c.text, "bad-external")), Contains(c.message));
}

TEST_CASE("a scenario without a server section is refused as such, whatever peer it would have") {
  // Found by scenario_fuzz: looking for `peer: external` once read the missing section as a map.
  const std::string text = good_with(
      "server:\n  versions: [tls1.2]\n  ciphersuites: [ECDHE-RSA-AES256-GCM-SHA384]\n  on_handshake_failure: reset\n",
      "");
  CHECK_THROWS_WITH(load_scenario(write_scenario(text, "no-server")), Contains("missing field 'server'"));
}
