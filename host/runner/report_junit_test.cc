#include "report_junit.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <pugixml.hpp>

namespace {

using namespace shakedown;
using Catch::Matchers::Contains;

runner::CellResult cell(const char* scenario, runner::Verdict verdict, const char* why) {
  runner::CellResult r;
  r.scenario = scenario;
  r.target = "sim";
  r.cell = {"2.28", "field-2x", {}};
  r.verdict = verdict;
  r.why = why;
  r.seconds = 0.012;
  r.device_log = {"ssl_cli.c:0885: client hello, add ciphersuite: c02b", "<&> quoted"};
  return r;
}

}  // namespace

TEST_CASE("JUnit: a testcase per cell, unexpected cells fail with their finding, infrastructure errors are errors") {
  auto as_expected = cell("field/01-suite-mismatch", runner::Verdict::kAsExpected, "");
  as_expected.findings = {
      {diagnosis::FindingId::kNoSharedCiphersuite, "The server accepts only X.", {"client: -0x50"}, "Add Y."}};
  auto unexpected = cell("field/02-sha1-root", runner::Verdict::kUnexpected, "expected a pass, got -0x262e");
  unexpected.findings = {
      {diagnosis::FindingId::kCaSignatureHashDisabled, "The CA is signed with SHA-1.", {"e1"}, "Enable SHA-1."}};
  auto infra = cell("versions/01-tls13-only", runner::Verdict::kInfrastructureError, "simulator died: signal 11");

  const auto path =
      std::filesystem::temp_directory_path() / ("shakedown-junit-test-" + std::to_string(::getpid()) + ".xml");
  runner::write_junit(path, {as_expected, unexpected, infra}, false);
  pugi::xml_document doc;
  REQUIRE(doc.load_file(path.c_str()));
  std::filesystem::remove(path);

  auto root = doc.child("testsuites");
  CHECK(root.attribute("tests").as_int() == 3);
  CHECK(root.attribute("failures").as_int() == 1);
  CHECK(root.attribute("errors").as_int() == 1);
  auto field = root.find_child_by_attribute("testsuite", "name", "sim.field");
  REQUIRE(field);
  CHECK(field.attribute("tests").as_int() == 2);
  auto first = field.child("testcase");
  CHECK(std::string(first.attribute("classname").value()) == "sim.field.01-suite-mismatch");
  CHECK(std::string(first.attribute("name").value()) == "Mbed TLS 2.28 field-2x");
  CHECK_FALSE(first.child("failure"));
  CHECK_THAT(first.child("system-out").text().get(), Contains("<&> quoted") && Contains("no-shared-ciphersuite"));

  auto failure = first.next_sibling("testcase").child("failure");
  REQUIRE(failure);
  CHECK_THAT(failure.attribute("message").value(),
             Contains("expected a pass, got -0x262e") && Contains("ca-signature-hash-disabled"));
  CHECK_THAT(failure.text().get(), Contains("fix: Enable SHA-1."));

  auto versions = root.find_child_by_attribute("testsuite", "name", "sim.versions");
  REQUIRE(versions);
  auto error = versions.child("testcase").child("error");
  REQUIRE(error);
  CHECK(std::string(error.attribute("type").value()) == "infrastructure-error");
  CHECK_THAT(error.attribute("message").value(), Contains("signal 11"));
  CHECK_FALSE(versions.child("testcase").child("failure"));
}

TEST_CASE("JUnit: the cells a stopped run did not run are skipped testcases, counted as such") {
  auto ran = cell("field/01-suite-mismatch", runner::Verdict::kInfrastructureError, "interrupted: the run was stopped");
  const std::vector<runner::CellNotRun> not_run = {{"sim", "field/02-sha1-root", "2.28", "field-2x"},
                                                   {"sim", "versions/01-tls13-only", "3.6", "default-16k"}};
  const auto path =
      std::filesystem::temp_directory_path() / ("shakedown-junit-skipped-" + std::to_string(::getpid()) + ".xml");
  runner::write_junit(path, {ran}, true, not_run);
  pugi::xml_document doc;
  REQUIRE(doc.load_file(path.c_str()));
  std::filesystem::remove(path);

  auto root = doc.child("testsuites");
  CHECK(std::string(root.attribute("name").value()) == "shakedown (interrupted)");
  CHECK(root.attribute("tests").as_int() == 3);
  CHECK(root.attribute("errors").as_int() == 1);
  CHECK(root.attribute("skipped").as_int() == 2);
  auto field = root.find_child_by_attribute("testsuite", "name", "sim.field");
  REQUIRE(field);
  CHECK(field.attribute("tests").as_int() == 2);
  CHECK(field.attribute("skipped").as_int() == 1);
  auto skipped = field.find_child_by_attribute("testcase", "classname", "sim.field.02-sha1-root");
  REQUIRE(skipped);
  CHECK(std::string(skipped.attribute("name").value()) == "Mbed TLS 2.28 field-2x");
  CHECK(skipped.child("skipped"));
  CHECK_FALSE(skipped.child("error"));
  auto versions = root.find_child_by_attribute("testsuite", "name", "sim.versions");
  REQUIRE(versions);
  CHECK(versions.child("testcase").child("skipped"));
}
