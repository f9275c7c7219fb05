// The harness against hostile inputs, end to end: a device that lies,
// floods or sends bytes that are not UTF-8 (HostileDevice, a fake on the
// device protocol), scenario files that reach outside --out, and commands
// misused in ways users do. None may give a wrong verdict, lose the
// reports, or write where it was not asked to.

#include <unistd.h>

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "hostile_device.h"
#include "subprocess.h"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using shakedown::process::ProcessResult;
using shakedown::process::run_process;
using shakedown::testing::HostileDevice;
using shakedown::testing::Misbehaviour;
using namespace std::chrono_literals;

const std::string kBin = SHAKEDOWN_BIN_DIR;
const std::string kData = std::string(SHAKEDOWN_SOURCE_DIR) + "/tests/data/hostile/";
const std::string kRefused = std::string(SHAKEDOWN_SOURCE_DIR) + "/tests/data/refused/";

// A fresh folder for one test's files.
fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("shakedown-hostile-{}-{}", name, ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

ProcessResult run_shakedown(std::vector<std::string> args, std::chrono::milliseconds timeout = 120s) {
  args.insert(args.begin(), kBin + "/shakedown");
  return run_process(args, timeout);
}

ProcessResult run_on(const std::string& scenario, const std::string& target, const fs::path& out,
                     std::chrono::milliseconds timeout = 120s) {
  return run_shakedown({"run", scenario, "--target", target, "--pki-cache", SHAKEDOWN_TEST_PKI_CACHE, "--out",
                    out.string(), "-j", "1"},
                   timeout);
}

nlohmann::json only_cell(const fs::path& out) {
  std::ifstream in(out / "results.json");
  const auto doc = nlohmann::json::parse(in);  // throws on invalid JSON: the test fails
  REQUIRE(doc["results"].size() == 1);
  return doc["results"][0];
}

void require_valid_junit(const fs::path& file) {
  pugi::xml_document doc;
  const auto parsed = doc.load_file(file.c_str());
  INFO(parsed.description());
  REQUIRE(parsed);
}

}  // namespace

TEST_CASE("a server silent past a read timeout above 10 s is a handshake timeout, not a rejection") {
  const auto out = scratch("silent");
  auto r = run_on(kData + "silent-past-10s.yaml", "sim", out);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const auto cell = only_cell(out);
  CHECK(cell["finding"] == "handshake-timeout");
  CHECK(cell["error_code"] == "-0x6800");
  fs::remove_all(out);
}

TEST_CASE("a device that reports a pass the server never saw gets no verdict") {
  HostileDevice liar(Misbehaviour::kLiar, "3.6", "default-16k");
  const auto out = scratch("liar");
  auto r = run_on(kData + "expect-pass.yaml", fmt::format("attached:{}", liar.port()), out);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  const auto cell = only_cell(out);
  CHECK(cell["verdict"] == "infrastructure-error");
  const std::string why = cell["why"];
  CHECK_THAT(why, Contains("the device reports a completed handshake"));
  CHECK_THAT(why, Contains("fatal alert 40"));
  CHECK_THAT(why, Contains("no bytes from the server"));
  CHECK_THAT(why, Contains("the test server saw no finished connection"));
  fs::remove_all(out);
}

TEST_CASE("bytes that are not UTF-8 from a device or a file name still give valid JSON and JUnit") {
  SECTION("in the device's log and report") {
    HostileDevice device(Misbehaviour::kNotUtf8Report, "3.6", "default-16k");
    const auto out = scratch("latin1-device");
    auto r = run_on(kData + "expect-fail.yaml", fmt::format("attached:{}", device.port()), out);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);  // the fake's failure fits no rule: unexplained, never an infrastructure error (2)
    const auto cell = only_cell(out);
    CHECK(cell["verdict"] == "as-expected");
    CHECK_THAT(cell["device_log"][0].get<std::string>(), Contains("Soci\xef\xbf\xbdt\xef\xbf\xbd"));
    require_valid_junit(out / "junit.xml");
    // The raw bytes are kept where nothing parses them.
    std::ifstream log(fs::path(cell["artifacts"].get<std::string>()) / "device.log");
    std::string first;
    std::getline(log, first);
    CHECK_THAT(first, Contains("Soci\xe9t\xe9"));
    fs::remove_all(out);
  }
  SECTION("in a scenario's file name") {
    const auto dir = scratch("latin1-name");
    fs::create_directories(dir / "caf\xe9");
    fs::copy_file(kData + "expect-pass.yaml", dir / "caf\xe9" / "r\xe9sum\xe9.yaml");
    auto r = run_on((dir / "caf\xe9").string(), "sim", dir / "out");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(only_cell(dir / "out")["verdict"] == "as-expected");
    require_valid_junit(dir / "out" / "junit.xml");
    fs::remove_all(dir);
  }
}

TEST_CASE("a device that floods the link costs bounded memory and disk, and is an infrastructure error") {
  SECTION("endless log lines") {
    HostileDevice device(Misbehaviour::kChattyLog, "3.6", "default-16k");
    const auto out = scratch("chatty");
    auto r = run_on(kData + "expect-pass.yaml", fmt::format("attached:{}", device.port()), out, 90s);
    INFO(r.out << r.err);
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 2);
    const auto cell = only_cell(out);
    CHECK_THAT(cell["why"].get<std::string>(), Contains("flooded the link"));
    CHECK(fs::file_size(out / "results.json") < 40u << 20);
    fs::remove_all(out);
  }
  SECTION("endless peer certificates") {
    HostileDevice device(Misbehaviour::kEndlessPeers, "3.6", "default-16k");
    const auto out = scratch("peers");
    auto r = run_on(kData + "expect-pass.yaml", fmt::format("attached:{}", device.port()), out, 90s);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(only_cell(out)["why"].get<std::string>(), Contains("peer certificates for one handshake"));
    fs::remove_all(out);
  }
}

TEST_CASE("a profile or Mbed TLS line that names a path is refused at load time, and nothing is written") {
  const auto dir = scratch("traversal");
  const auto out = dir / "a" / "b" / "c" / "out";
  for (const auto& [file, field] : {std::pair{"profile-outside-out.yaml", ":11: expect.../../../../../escaped"},
                                    std::pair{"line-outside-out.yaml", ":9: 'mbedtls' in client"}}) {
    auto r = run_on(kRefused + file, "sim", out);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Contains(std::string(file) + field));
  }
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(dir / "a" / "b" / "escaped"));
  auto unknown = run_on(kRefused + "unknown-profile.yaml", "sim", out);
  CHECK(unknown.exit_code == 3);
  CHECK_THAT(unknown.err, Contains("no profile 'no-such-profile'"));
  fs::remove_all(dir);
}

TEST_CASE("a scenario named twice runs once, and two files with one name are refused") {
  auto twice = run_shakedown({"run", kData + "expect-pass.yaml", kData + "expect-pass.yaml", kData, "--list"});
  INFO(twice.out << twice.err);
  CHECK(twice.exit_code == 0);
  CHECK(twice.out ==
        "hostile/expect-pass/3.6/default-16k\nhostile/expect-fail/3.6/default-16k\n"
        "hostile/long-hostname/3.6/default-16k\nhostile/silent-past-10s/3.6/default-16k\n");

  const auto dir = scratch("same-name");
  fs::create_directories(dir / "x");
  fs::create_directories(dir / "y" / "x");
  fs::copy_file(kData + "expect-pass.yaml", dir / "x" / "expect-pass.yaml");
  fs::copy_file(kData + "expect-fail.yaml", dir / "y" / "x" / "expect-pass.yaml");
  auto clash = run_shakedown({"run", (dir / "x").string(), (dir / "y").string(), "--list"});
  CHECK(clash.exit_code == 3);
  CHECK_THAT(clash.err, Contains("two scenarios are named x/expect-pass"));
  fs::remove_all(dir);
}

TEST_CASE("a hostname too long for a common name is named in the leaf's SAN, and the handshake passes") {
  const auto out = scratch("long-hostname");
  auto r = run_on(kData + "long-hostname.yaml", "sim", out);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(only_cell(out)["result"] == "pass");
  fs::remove_all(out);
}

TEST_CASE("explain refuses to write its reproducer over the log it reads") {
  const auto dir = scratch("explain-overwrite");
  const auto log = dir / "device.log";
  fs::copy_file(std::string(SHAKEDOWN_SOURCE_DIR) + "/tests/data/forum-field.log", log);
  const auto before = fs::file_size(log);
  auto r = run_shakedown({"explain", log.string(), "--scenario", (dir / "." / "device.log").string()});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("that is the log being explained"));
  CHECK(fs::file_size(log) == before);
  fs::remove_all(dir);
}

TEST_CASE("diff names the file and field of a malformed result, and tells two runs on one target apart") {
  const auto dir = scratch("diff");
  std::ofstream(dir / "bad.json") << R"({"results": [{"scenario": 7, "target": "sim"}]})";
  auto bad = run_shakedown({"diff", (dir / "bad.json").string(), (dir / "bad.json").string()});
  CHECK(bad.exit_code == 3);
  CHECK_THAT(bad.err, Contains("bad.json: results[0].scenario: expected a string"));
  CHECK_THAT(bad.err, !Contains("json.exception"));

  const std::string cell =
      R"({"scenario": "s/a", "target": "sim", "mbedtls_line": "3.6", "profile": "p", "verdict": "as-expected"})";
  std::ofstream(dir / "one.json") << R"({"results": [)" << cell << "]}";
  std::ofstream(dir / "two.json") << R"({"results": [)" << cell << "]}";
  auto same = run_shakedown({"diff", (dir / "one.json").string(), (dir / "two.json").string()});
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.out, Contains("one.json) against sim (") && Contains("two.json)"));
  fs::remove_all(dir);
}

TEST_CASE("shakedown --version prints the version and exits 0") {
  auto r = run_shakedown({"--version"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("0.1.0"));
}
