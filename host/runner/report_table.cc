#include "report_table.h"

#include <fmt/format.h>

#include <array>
#include <string>

#include "scenario.h"
#include "shakedown/tls/cipher_suite.h"

namespace shakedown::runner {
namespace {

std::string expected_text(const scenario::Expectation& e) {
  if (e.result == scenario::Expectation::Result::kPass) return "pass";
  std::string text = "fail";
  if (e.finding) text += fmt::format(": {}", diagnosis::finding_name(*e.finding));
  return text;
}

std::string got_text(const CellResult& r) {
  if (r.verdict == Verdict::kInfrastructureError) return "infrastructure error";
  if (r.report.passed()) {
    // Suites by IANA name, as everywhere else; the device's own name for one the table lacks.
    const tls::CipherSuite* suite = tls::cipher_suite(r.report.suite_id);
    return fmt::format("pass {} {}", r.report.version,
                       suite != nullptr && !suite->iana_name.empty() ? std::string(suite->iana_name) : r.report.suite);
  }
  return fmt::format("{} {}", device::format_code(r.report.result), r.report.result_name);
}

std::string verdict_text(Verdict v) {
  switch (v) {
    case Verdict::kAsExpected: return "ok";
    case Verdict::kUnexpected: return "UNEXPECTED";
    case Verdict::kInfrastructureError: return "INFRA";
  }
  return "?";
}

}  // namespace

void print_table(std::FILE* out, const std::vector<CellResult>& results) {
  constexpr size_t kColumns = 8;
  using Row = std::array<std::string, kColumns>;
  std::vector<Row> rows{{"scenario", "target", "mbedtls", "profile", "expected", "got", "finding", "verdict"}};
  for (const auto& r : results) {
    const auto* f = r.primary_finding();
    rows.push_back({r.scenario, r.target, r.cell.mbedtls_line, r.cell.profile,
                    expected_text(r.cell.expect_on(r.target)), got_text(r),
                    f != nullptr ? std::string(diagnosis::finding_name(f->id)) : "-", verdict_text(r.verdict)});
  }
  std::array<size_t, kColumns> width{};
  for (const auto& row : rows) {
    for (size_t i = 0; i < kColumns; ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (size_t n = 0; n < rows.size(); ++n) {
    std::string line;
    for (size_t i = 0; i < kColumns; ++i) {
      line += fmt::format("{:<{}}", rows[n][i], i + 1 == kColumns ? 0 : width[i] + 2);
    }
    fmt::print(out, "{}\n", line);
    if (n == 0) {
      size_t total = 0;
      for (auto w : width) total += w + 2;
      fmt::print(out, "{}\n", std::string(total - 2, '-'));
    }
  }
}

void print_findings(std::FILE* out, const std::vector<CellResult>& results) {
  for (const auto& r : results) {
    const auto* f = r.primary_finding();
    if (f == nullptr && r.verdict == Verdict::kAsExpected) continue;
    fmt::print(out, "\n{} [{}, Mbed TLS {}, {}]\n", r.scenario, r.target, r.cell.mbedtls_line, r.cell.profile);
    if (r.verdict != Verdict::kAsExpected) fmt::print(out, "  {}: {}\n", verdict_text(r.verdict), r.why);
    if (f == nullptr) continue;
    fmt::print(out, "  {}: {}\n", diagnosis::finding_name(f->id), f->summary);
    for (const auto& line : f->evidence) fmt::print(out, "    - {}\n", line);
    fmt::print(out, "  fix: {}\n", f->fix);
  }
}

}  // namespace shakedown::runner
