#pragma once
// Comparing two runs cell by cell (`shakedown diff A.json B.json`), e.g. the
// simulator against QEMU, or a run before and after a config change. A
// disagreement is a difference in what a user judges by: the verdict, the
// result or the primary finding. A different error code with the same
// finding (which allocation failed first, a reset seen before an alert) is
// listed as a difference in detail; figures that differ by nature between
// targets (handshake time, peak heap and stack) as expected differences.
// Nothing is hidden; only disagreements fail the comparison.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace shakedown::runner {

struct CellDifference {
  std::string cell;  // "field/01-suite-mismatch/2.28/field-2x"
  std::string field;
  std::string a, b;
};

struct RunComparison {
  std::string a_target, b_target;
  size_t compared = 0;
  std::vector<std::string> only_in_a, only_in_b;
  std::vector<CellDifference> disagreements;
  std::vector<CellDifference> detail_differences;  // error codes under the same finding
  // Results that differ as the scenario says they do on these targets
  // (`profile@target` expectations): both cells as expected.
  std::vector<CellDifference> declared_differences;
  std::vector<CellDifference> expected_differences;  // timing and memory figures
};

RunComparison compare_runs(const nlohmann::json& a, const nlohmann::json& b);

// Reads a `shakedown run --json` file; throws std::runtime_error naming the
// file, and the line and column of malformed JSON.
nlohmann::json read_results(const std::filesystem::path& path);

void print_comparison(std::FILE* out, const RunComparison& comparison);

// {"a_target", "b_target", "compared", "only_in_a", "only_in_b",
//  "disagreements": [{"cell", "field", "a", "b"}], "declared_differences",
//  "detail_differences", "expected_differences"}: for `diff --html`.
nlohmann::json to_json(const RunComparison& comparison);

}  // namespace shakedown::runner
