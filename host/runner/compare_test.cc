#include "compare.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

namespace {

using namespace shakedown;
using Catch::Matchers::Contains;
using nlohmann::json;

json cell(const char* target, const char* scenario, const char* line, json finding, int ms) {
  return {{"target", target},         {"scenario", scenario},   {"mbedtls_line", line},    {"profile", "field-2x"},
          {"verdict", "as-expected"}, {"result", "fail"},       {"error_code", "-0x0050"}, {"finding", finding},
          {"handshake_ms", ms},       {"peak_heap_bytes", 5000}};
}

}  // namespace

TEST_CASE("two runs agree when results, errors and findings match, whatever their timing") {
  json sim = {{"results", json::array({cell("sim", "field/01", "3.6", "no-shared-ciphersuite", 3)})}};
  json qemu = {{"results", json::array({cell("qemu", "field/01", "3.6", "no-shared-ciphersuite", 190)})}};
  auto c = runner::compare_runs(sim, qemu);
  CHECK(c.compared == 1);
  CHECK(c.disagreements.empty());
  REQUIRE(c.expected_differences.size() == 1);
  CHECK(c.expected_differences[0].field == "handshake_ms");
  CHECK(c.a_target == "sim");
  CHECK(c.b_target == "qemu");
}

TEST_CASE("a different finding is a disagreement, and cells missing on one side are listed") {
  json sim = {{"results",
               {cell("sim", "field/01", "3.6", "no-shared-ciphersuite", 3),
                cell("sim", "field/02", "3.6", "ca-signature-hash-disabled", 3)}}};
  json qemu = {{"results",
                {cell("qemu", "field/01", "3.6", "connection-closed-after-client-hello", 3),
                 cell("qemu", "field/03", "3.6", "rsa-key-too-large-for-mpi", 3)}}};
  auto c = runner::compare_runs(sim, qemu);
  REQUIRE(c.disagreements.size() == 1);
  CHECK(c.disagreements[0].field == "finding");
  CHECK(c.disagreements[0].a == "no-shared-ciphersuite");
  CHECK(c.only_in_a == std::vector<std::string>{"field/02/3.6/field-2x"});
  CHECK(c.only_in_b == std::vector<std::string>{"field/03/3.6/field-2x"});
}

TEST_CASE("a results file that is not JSON names its line and column") {
  const auto path = std::filesystem::temp_directory_path() / ("shakedown-compare-" + std::to_string(::getpid()));
  {
    std::ofstream out(path);
    out << "{\n  \"results\": [\n    {\"target\": \"sim\",}\n  ]\n}\n";
  }
  CHECK_THROWS_WITH(runner::read_results(path), Contains(path.string() + ":3:"));
  {
    std::ofstream out(path);
    out << "{\"cells\": []}\n";
  }
  CHECK_THROWS_WITH(runner::read_results(path), Contains("no \"results\" array"));
  std::filesystem::remove(path);
}

TEST_CASE("the same finding with another error code is a difference in detail, not a disagreement") {
  json on_qemu = cell("qemu", "resources/03", "3.6", "heap-exhausted", 50);
  on_qemu["error_code"] = "-0x5180";
  json sim = {{"results", json::array({cell("sim", "resources/03", "3.6", "heap-exhausted", 3)})}};
  json qemu = {{"results", json::array({on_qemu})}};
  auto c = runner::compare_runs(sim, qemu);
  CHECK(c.disagreements.empty());
  REQUIRE(c.detail_differences.size() == 1);
  CHECK(c.detail_differences[0].b == "-0x5180");
}

TEST_CASE("a difference the scenario declares for a target is listed as declared, not as a disagreement") {
  json on_sim = cell("sim", "resources/04", "3.6", "heap-exhausted", 3);
  on_sim["expected"] = {{"result", "fail"}, {"finding", "heap-exhausted"}};
  json on_qemu = cell("qemu", "resources/04", "3.6", nullptr, 50);
  on_qemu["result"] = "pass";
  on_qemu["expected"] = {{"result", "pass"}};
  auto c = runner::compare_runs({{"results", json::array({on_sim})}}, {{"results", json::array({on_qemu})}});
  CHECK(c.disagreements.empty());
  CHECK(c.declared_differences.size() == 2);  // result and finding

  // The same difference without the scenario's say-so is a disagreement.
  on_qemu["expected"] = on_sim["expected"];
  on_qemu["verdict"] = "unexpected";
  c = runner::compare_runs({{"results", json::array({on_sim})}}, {{"results", json::array({on_qemu})}});
  CHECK(c.disagreements.size() == 3);  // verdict, result, finding
}
