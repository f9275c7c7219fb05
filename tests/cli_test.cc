// The command-line tools end to end, as a user runs them: real simulator
// builds, real test servers, real sockets. Exit codes are the contract CI
// scripts rely on.

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>
#include <sstream>

#include "findings.h"
#include "shakedown/tls/cipher_suite.h"

#include "shakedown/protocol/frame.h"
#include "shakedown/protocol/messages.h"
#include "subprocess.h"

namespace {

using Catch::Matchers::Contains;
using shakedown::process::run_process;
using namespace std::chrono_literals;

const std::string kBin = SHAKEDOWN_BIN_DIR;
const std::string kRepo = SHAKEDOWN_SOURCE_DIR;

shakedown::process::ProcessResult shakedown_run(const std::string& path, const std::string& target = "sim") {
  return run_process({kBin + "/shakedown", "run", path, "--target", target, "--pki-cache", SHAKEDOWN_TEST_PKI_CACHE},
                     120s);
}

// A fresh folder for one test's --out.
std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("shakedown-cli-{}-{}", name, getpid());
  std::filesystem::remove_all(dir);
  return dir;
}

// results.json's summary, as CI reads it.
struct Summary {
  size_t cells = 0, as_expected = 0, unexpected = 0, infrastructure_errors = 0;
  bool interrupted = false;
  bool operator==(const Summary&) const = default;
};

Summary summary_of(const std::filesystem::path& out) {
  std::ifstream in(out / "results.json");
  const auto s = nlohmann::json::parse(in).at("summary");
  return {s.at("cells").get<size_t>(), s.at("as_expected").get<size_t>(), s.at("unexpected").get<size_t>(),
          s.at("infrastructure_errors").get<size_t>(), s.at("interrupted").get<bool>()};
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<Summary> {
  static std::string convert(const Summary& s) {
    return fmt::format("{{cells {}, as expected {}, unexpected {}, infrastructure errors {}, interrupted {}}}",
                       s.cells, s.as_expected, s.unexpected, s.infrastructure_errors, s.interrupted);
  }
};
}  // namespace Catch

TEST_CASE("shakedown run scenarios/field reproduces and explains the field report, and the fix passes") {
  auto r = shakedown_run(kRepo + "/scenarios/field");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("16 cells: 16 as expected, 0 unexpected, 0 infrastructure errors"));
  // The field case on the field config: the reset, the cause, and the fix.
  CHECK_THAT(r.out, Contains("-0x0050 MBEDTLS_ERR_NET_CONN_RESET"));
  CHECK_THAT(r.out,
             Contains("the client offered only c02b and c02c; it reset the connection instead of sending an alert"));
  CHECK_THAT(r.out, Contains("Add MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 to MBEDTLS_SSL_CIPHERSUITES"));
  CHECK_THAT(r.out, Contains("-0x262e MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + MBEDTLS_ERR_OID_NOT_FOUND"));
  CHECK_THAT(r.out, Contains("#define MBEDTLS_MPI_MAX_SIZE 512"));
  CHECK_THAT(r.out, Contains("record-too-large-for-input-buffer"));
}

TEST_CASE("every scenario runs on both Mbed TLS lines as expected, every finding fires, and JSON and JUnit say so") {
  const std::filesystem::path out = std::filesystem::path(SHAKEDOWN_TEST_PKI_CACHE) / ".." / "all-scenarios";
  std::filesystem::remove_all(out);
  auto r = run_process({kBin + "/shakedown", "run", kRepo + "/scenarios", "--target", "sim", "--pki-cache",
                        SHAKEDOWN_TEST_PKI_CACHE, "--out", out.string()},
                       300s);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("0 unexpected, 0 infrastructure errors"));

  std::ifstream json_file(out / "results.json");
  const auto json = nlohmann::json::parse(json_file);
  std::set<std::string> lines, fired_as_expected;
  int signed_pkcs1 = 0;
  for (const auto& cell : json["results"]) {
    lines.insert(cell["mbedtls_line"].get<std::string>());
    // The server says what it signed with: its scenario allows RSA+SHA256 alone,
    // and an RSA key exchange signs nothing.
    const std::string name = cell["scenario"].get<std::string>();
    if (name.starts_with("ciphersuites/15-each-tls12-rsa-suite:") && cell["profile"] == "default-16k") {
      if (name.ends_with(":0x009c")) {
        CHECK(cell["server"]["negotiated"]["signature"].is_null());
      } else {
        CHECK(cell["server"]["negotiated"]["signature"] == "rsa_pkcs1_sha256");
      }
      ++signed_pkcs1;
    }
    if (cell["verdict"] == "as-expected" && cell["finding"].is_string() && cell["expected"].contains("finding") &&
        cell["expected"]["finding"] == cell["finding"]) {
      fired_as_expected.insert(cell["finding"].get<std::string>());
    }
    // Each cell keeps its files: the device log, and the server's pcap when it got a connection.
    const std::filesystem::path dir = cell["artifacts"].get<std::string>();
    CHECK(std::filesystem::exists(dir / "device.log"));
    CHECK(std::filesystem::exists(dir / "result.json"));
  }
  CHECK(lines == std::set<std::string>{"2.28", "3.6"});
  CHECK(signed_pkcs1 == 12);  // six suites, two lines
  std::set<std::string> scenarios;
  for (const auto& cell : json["results"]) scenarios.insert(cell["scenario"].get<std::string>());
  CHECK(scenarios.size() >= 60);
  // Every finding of the catalogue is expected by some scenario, and fired there.
  for (auto id : shakedown::diagnosis::known_finding_ids()) {
    if (id == "unexplained") continue;
    INFO(id);
    CHECK(fired_as_expected.contains(std::string(id)));
  }

  pugi::xml_document junit;
  REQUIRE(junit.load_file((out / "junit.xml").c_str()));
  CHECK(junit.child("testsuites").attribute("tests").as_ullong() == json["summary"]["cells"].get<size_t>());
  CHECK(junit.child("testsuites").attribute("failures").as_int() == 0);
  const size_t cells = json["results"].size();
  CHECK(summary_of(out) == Summary{.cells = cells, .as_expected = cells});
}

TEST_CASE("the cells to run are chosen with --list, --filter and --shard, and a bad --shard is a usage error") {
  auto list = run_process({kBin + "/shakedown", "run", kRepo + "/scenarios", "--list"}, 30s);
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.out, Contains("field/01-suite-mismatch/2.28/field-2x\n"));
  const auto all = std::count(list.out.begin(), list.out.end(), '\n');
  size_t sharded = 0;
  for (const char* shard : {"1/2", "2/2"}) {
    auto share = run_process({kBin + "/shakedown", "run", kRepo + "/scenarios", "--list", "--shard", shard}, 30s);
    sharded += std::count(share.out.begin(), share.out.end(), '\n');
  }
  CHECK(sharded == static_cast<size_t>(all));

  auto filtered = run_process({kBin + "/shakedown", "run", kRepo + "/scenarios", "--filter", "field/01-*/3.6/*",
                               "--pki-cache", SHAKEDOWN_TEST_PKI_CACHE, "-j", "2"},
                              60s);
  INFO(filtered.out << filtered.err);
  CHECK(filtered.exit_code == 0);
  CHECK_THAT(filtered.out, Contains("2 cells: 2 as expected"));

  auto bad = run_process({kBin + "/shakedown", "run", kRepo + "/scenarios", "--shard", "3/2"}, 30s);
  CHECK(bad.exit_code == 3);
  CHECK_THAT(bad.err, Contains("--shard 3/2"));
  auto none = run_process({kBin + "/shakedown", "run", kRepo + "/scenarios", "--filter", "no-such-cell"}, 30s);
  CHECK(none.exit_code == 3);
  CHECK_THAT(none.err, Contains("no cell matches"));
}

TEST_CASE("a result that differs from its expectation exits 1 and says what differs") {
  const auto out = temp_dir("wrong-expectation");
  auto r = run_process({kBin + "/shakedown", "run", kRepo + "/tests/data/wrong-expectation", "--target", "sim",
                        "--pki-cache", SHAKEDOWN_TEST_PKI_CACHE, "--out", out.string()},
                       120s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("UNEXPECTED: expected a pass, got -0x0050 (MBEDTLS_ERR_NET_CONN_RESET)"));
  // The diagnosis is still given: the run says why it failed, not only that it did.
  CHECK_THAT(r.out, Contains("no-shared-ciphersuite:"));
  // What CI reads says the same as the terminal.
  CHECK(summary_of(out) == Summary{.cells = 1, .unexpected = 1});
  pugi::xml_document junit;
  REQUIRE(junit.load_file((out / "junit.xml").c_str()));
  CHECK(junit.child("testsuites").attribute("failures").as_int() == 1);
  std::filesystem::remove_all(out);
}

TEST_CASE("a cell no target can run exits 2 as an infrastructure error, never as a result") {
  // A known profile whose firmware image is not where the target looks.
  const auto empty = std::filesystem::temp_directory_path() / ("shakedown-no-firmware-" + std::to_string(getpid()));
  std::filesystem::create_directories(empty);
  const auto out = temp_dir("no-firmware-out");
  auto r = run_process(
      {kBin + "/shakedown", "run", kRepo + "/scenarios/field/01-suite-mismatch.yaml", "--target", "qemu",
       "--firmware-dir", empty.string(), "--filter", "3.6/field-2x", "--pki-cache", SHAKEDOWN_TEST_PKI_CACHE,
       "--out", out.string()},
      60s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, Contains("INFRA: ") && (Contains("no firmware image for Mbed TLS 3.6 with profile field-2x") ||
                                            Contains("qemu-system-arm")));
  CHECK_THAT(r.out, Contains("1 infrastructure errors"));
  CHECK(summary_of(out) == Summary{.cells = 1, .infrastructure_errors = 1});
  std::filesystem::remove_all(empty);
  std::filesystem::remove_all(out);
}

TEST_CASE("a malformed scenario exits 3, names file and line, and runs nothing") {
  auto r = shakedown_run(kRepo + "/tests/data/malformed");
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("tests/data/malformed/typo.yaml:6: unknown key 'version' in server"));
  CHECK(r.out.empty());
}

TEST_CASE("an unknown target or flag is a usage error") {
  CHECK(shakedown_run(kRepo + "/scenarios/field", "no-such-target").exit_code == 3);
  CHECK(run_process({kBin + "/shakedown", "run", "--no-such-flag"}, 10s).exit_code == 3);
  auto board = shakedown_run(kRepo + "/scenarios/field", "board");
  CHECK(board.exit_code == 3);
  CHECK_THAT(board.err, Contains("--target board needs --bench FILE"));
  auto level = run_process({kBin + "/shakedown", "run", kRepo + "/scenarios/field", "--debug-level", "7"}, 10s);
  CHECK(level.exit_code == 3);
  CHECK_THAT(level.err, Contains("--debug-level"));
}

TEST_CASE("under --chaos every cell is as expected or an infrastructure error, and results.json gives its attempts") {
  const std::filesystem::path json_path = std::filesystem::path(SHAKEDOWN_TEST_PKI_CACHE) / ".." / "chaos.json";
  std::filesystem::remove(json_path);
  // Seed 1 meets every kind of fault over this suite; which cell meets which depends on timing.
  auto r =
      run_process({kBin + "/shakedown", "run", kRepo + "/scenarios/field", kRepo + "/scenarios/certificates", "--chaos",
                   "1", "-j", "2", "--pki-cache", SHAKEDOWN_TEST_PKI_CACHE, "--json", json_path.string()},
                  600s);
  INFO(r.out << r.err);
  CHECK((r.exit_code == 0 || r.exit_code == 2));
  CHECK_THAT(r.out, Contains(" 0 unexpected"));
  std::ifstream json_file(json_path);
  const auto json = nlohmann::json::parse(json_file);
  for (const auto& cell : json["results"]) {
    CHECK(cell["verdict"] != "unexpected");
    CHECK(cell["attempts"].get<int>() >= 1);
    CHECK(cell["attempts"].get<int>() <= 3);
    CHECK(cell["attempts"].get<size_t>() ==
          (cell.contains("earlier_attempts") ? cell["earlier_attempts"].size() : 0) + 1);
  }
  auto board = run_process({kBin + "/shakedown", "run", kRepo + "/scenarios/field", "--target", "board", "--bench",
                            kRepo + "/tests/data/bench/two-boards.yaml", "--chaos", "1"},
                           10s);
  CHECK(board.exit_code == 3);
  CHECK_THAT(board.err, Contains("--chaos"));
}

TEST_CASE("the device's log level follows --debug-level, and the findings stay the same without the log") {
  const auto out = std::filesystem::temp_directory_path() / "shakedown-cli-debug-level";
  std::filesystem::remove_all(out);
  auto r = run_process(
      {kBin + "/shakedown", "run", kRepo + "/scenarios/field/01-suite-mismatch.yaml", "--filter", "3.6/field-2x",
       "--debug-level", "0", "--out", out.string(), "--pki-cache", SHAKEDOWN_TEST_PKI_CACHE},
      60s);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("no-shared-ciphersuite"));
  std::ifstream log(out / "cells/field/01-suite-mismatch/sim-3.6-field-2x/device.log");
  std::string line;
  int mbedtls_lines = 0, lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    if (line.find(".c:") != std::string::npos) ++mbedtls_lines;
  }
  CHECK(lines >= 1);  // the core's own "! ... returned" line
  CHECK(mbedtls_lines == 0);
  std::filesystem::remove_all(out);
}

TEST_CASE("shakedown-sim lists its builds and refuses one it lacks") {
  auto list = run_process({kBin + "/shakedown-sim", "--list"}, 10s);
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.out, Contains("2.28\tfield-2x") && Contains("3.6\tfield-fixed"));
  auto missing = run_process({kBin + "/shakedown-sim", "--mbedtls", "9.9", "--profile", "x", "facts"}, 10s);
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Contains("no build for Mbed TLS 9.9 with profile x"));
}

TEST_CASE("shakedown-sim --version prints every build's banner fields") {
  auto r = run_process({kBin + "/shakedown-sim", "--version"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("protocol 1") && Contains("target sim") && Contains("mbedtls 2.28.") &&
                        Contains("mbedtls 3.6.") && Contains("profile field-2x") && Contains("config-hash ") &&
                        Contains("build 0.1.0"));
}

TEST_CASE("every suite a simulator build lists has the Mbed TLS name shakedown reads and prints for it") {
  auto r = run_process({kBin + "/shakedown-sim", "--version"}, 10s);
  REQUIRE(r.exit_code == 0);
  std::istringstream lines(r.out);
  int listed = 0, in_table = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("ciphersuite ")) continue;
    ++listed;
    const auto id = static_cast<uint16_t>(std::stoul(line.substr(12, 4), nullptr, 16));
    const std::string name = line.substr(17);
    INFO(line);
    const auto* suite = shakedown::tls::cipher_suite(id);
    if (suite != nullptr) {
      ++in_table;
      CHECK(shakedown::tls::mbedtls_suite_name(*suite) == name);
    }
    CHECK(shakedown::tls::parse_cipher_suite(fmt::format("{:04x}", id)) == id);
  }
  CHECK(listed > 500);  // ten builds, 2.28's defaults alone list about 150
  CHECK(in_table > 300);
}

TEST_CASE("a client suite the build lacks is a usage error naming the build, and nothing runs") {
  const auto dir = std::filesystem::temp_directory_path() / ("shakedown-cli-suite-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "suite");
  std::ifstream in(kRepo + "/scenarios/field/01-suite-mismatch.yaml");
  std::string text{std::istreambuf_iterator<char>(in), {}};
  const std::string hostname = "  hostname: ";
  text.insert(text.find(hostname), "  ciphersuites: [TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256, c02f]\n");
  std::ofstream(dir / "suite" / "aria.yaml") << text;
  auto r = run_process({kBin + "/shakedown", "run", (dir / "suite").string(), "--target", "sim", "--mbedtls", "2.28",
                        "--json", (dir / "results.json").string()},
                       60s);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("aria.yaml:") && Contains(": client.ciphersuites: the build Mbed TLS 2.28 ") &&
                        Contains("has no TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256 (0xc060)"));
  CHECK_FALSE(std::filesystem::exists(dir / "results.json"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a simulator build on stdio announces its banner at boot and exits when the host hangs up") {
  // stdin is /dev/null: the host "hangs up" at once.
  auto r = run_process({kBin + "/shakedown-sim", "--mbedtls", "3.6", "--profile", "field-2x", "--stdio"}, 10s);
  REQUIRE(r.exit_code == 0);
  shakedown::protocol::FrameDecoder decoder;
  int banners = 0;
  for (char c : r.out) {
    if (decoder.feed(static_cast<uint8_t>(c)) &&
        decoder.frame().type == static_cast<uint8_t>(shakedown::protocol::MessageType::kBanner)) {
      ++banners;
      CHECK(decoder.frame().seq == 0);
    }
  }
  CHECK(banners == 1);
  CHECK(decoder.stats().bad_crc + decoder.stats().malformed == 0);
}

TEST_CASE(
    "shakedown explain reads the forum's field log, says the likely cause, and its reproducer runs on the "
    "simulator with the same finding") {
  const auto dir = std::filesystem::temp_directory_path() / ("shakedown-explain-cli-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string scenario = (dir / "field-from-log.yaml").string();
  auto r =
      run_process({kBin + "/shakedown", "explain", kRepo + "/tests/data/forum-field.log", "--scenario", scenario}, 30s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("mbedtls_ssl_handshake returned -0x0050 (MBEDTLS_ERR_NET_CONN_RESET)"));
  CHECK_THAT(r.out, Contains("1. [no-shared-ciphersuite] The server reset the connection right after the ClientHello"));
  CHECK_THAT(r.out, Contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b), TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xc02c)"));
  CHECK_THAT(r.out, Contains("clock was never set"));
  auto json = run_process({kBin + "/shakedown", "explain", "--json", "-"}, 30s);  // stdin: empty
  CHECK(json.exit_code == 5);
  auto reproduced = shakedown_run(scenario);
  INFO(reproduced.out << reproduced.err);
  CHECK(reproduced.exit_code == 0);
  CHECK_THAT(reproduced.out, Contains("no-shared-ciphersuite"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("shakedown explain: --json gives findings and timeline, a missing file exits 3, binary or prose input 5") {
  auto r = run_process({kBin + "/shakedown", "explain", "--json", kRepo + "/tests/data/forum-field.log"}, 30s);
  REQUIRE(r.exit_code == 0);
  const auto json = nlohmann::json::parse(r.out);
  CHECK(json["findings"][0]["id"] == "no-shared-ciphersuite");
  CHECK_FALSE(json["findings"][0]["evidence"].empty());
  CHECK_FALSE(json["findings"][0]["fix"].get<std::string>().empty());
  CHECK(json["candidates"] == true);
  CHECK(json["timeline"].size() >= 5);
  CHECK(json["clock"] == "unset");

  auto missing = run_process({kBin + "/shakedown", "explain", "/no/such/device.log"}, 10s);
  CHECK(missing.exit_code == 3);
  CHECK_THAT(missing.err, Contains("/no/such/device.log: cannot open"));
  auto binary = run_process({kBin + "/shakedown", "explain", kBin + "/shakedown-sim"}, 30s);
  CHECK(binary.exit_code == 5);
  CHECK_THAT(binary.err, Contains("binary data, not a text log"));
  auto prose = run_process({kBin + "/shakedown", "explain", kRepo + "/CMakeLists.txt"}, 30s);
  CHECK(prose.exit_code == 5);
  CHECK_THAT(prose.err, Contains("no Mbed TLS debug output"));
}
