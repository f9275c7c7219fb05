#pragma once
// Rows for the fix-sentence tests (fix_sentences*_test.cc): evidence in, the
// finding, its summary and its fix out, one row per branch of a rule's
// wording and per Mbed TLS line where the wording depends on the line. A
// failing row names itself (its name and line). Test-only.

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diagnosis.h"
#include "evidence_fixture_test_support.h"
#include "mbedtls_codes.h"

namespace shakedown::diagnosis::fix_rows {

using namespace test_support;

// What diagnose() advises for a failure no rule explains.
inline constexpr const char* kUnexplainedFix =
    "Read the device log and the server capture; then add a rule and a scenario for it.";

// The finding's place among diagnose()'s findings: 0 is the primary one.
inline constexpr size_t kAnyPlace = SIZE_MAX;

struct Row {
  std::string_view name;  // the rule and its branch
  std::string_view line;  // "2.28" or "3.6"
  void (*make)(Fixture&);
  FindingId id;
  std::vector<std::string_view> summary = {};  // substrings the summary must hold
  std::string_view fix = "";                   // the exact fix; empty: fix_has only
  std::vector<std::string_view> fix_has = {};  // substrings the fix must hold
  size_t place = 0;                            // kAnyPlace: the first finding of that id
};

inline std::string describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += fmt::format("[{}] {}\n  fix: {}\n", finding_name(f.id), f.summary, f.fix);
  return out;
}

// The finding a row expects, or null.
inline const Finding* row_finding(const Row& row, const std::vector<Finding>& findings) {
  if (row.place != kAnyPlace) return row.place < findings.size() ? &findings[row.place] : nullptr;
  for (const auto& f : findings) {
    if (f.id == row.id) return &f;
  }
  return nullptr;
}

inline void check_rows(std::span<const Row> rows) {
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name << " on " << row.line) {
      Fixture f = on_line(row.line);
      row.make(f);
      const auto findings = diagnose(f.evidence());
      INFO("findings:\n" << describe(findings));
      const Finding* found = row_finding(row, findings);
      REQUIRE(found != nullptr);
      CHECK(finding_name(found->id) == finding_name(row.id));
      for (auto part : row.summary) CHECK_THAT(found->summary, Catch::Matchers::Contains(std::string(part)));
      if (!row.fix.empty()) CHECK(found->fix == row.fix);
      for (auto part : row.fix_has) CHECK_THAT(found->fix, Catch::Matchers::Contains(std::string(part)));
    }
  }
}

// Each family's rows, for the check of the names their fixes use.
std::span<const Row> negotiation_rows();
std::span<const Row> pre_shared_key_rows();
std::span<const Row> certificate_rows();
std::span<const Row> server_behaviour_rows();
std::span<const Row> resource_rows();
std::span<const Row> log_only_rows();

}  // namespace shakedown::diagnosis::fix_rows
