#pragma once
// Runner: runs one cell of a scenario (a build on a target against the
// scenario's test server), diagnoses it, and judges it against the cell's
// expectation.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture.h"
#include "client_report.h"
#include "diagnosis.h"
#include "scenario.h"
#include "sim_target.h"

namespace shakedown::runner {

enum class Verdict {
  kAsExpected,
  kUnexpected,           // the target answered, and not as expected
  kInfrastructureError,  // no answer to judge: the target or the harness failed
};

struct CellResult {
  std::string scenario;
  std::string target;
  scenario::Cell cell;
  Verdict verdict = Verdict::kInfrastructureError;
  std::string why;  // kUnexpected: what differs; kInfrastructureError: what failed
  device::ClientReport report;
  device::BuildFacts build;
  std::optional<servers::ConnectionCapture> capture;
  std::vector<diagnosis::Finding> findings;
  std::vector<std::string> device_log;

  const diagnosis::Finding* primary_finding() const { return findings.empty() ? nullptr : &findings.front(); }
};

struct RunnerOptions {
  std::filesystem::path pki_cache;
  std::filesystem::path sim_build_dir;            // for the default target, the simulator
  std::shared_ptr<const targets::Target> target;  // empty: the simulator in sim_build_dir
};

class Runner {
 public:
  explicit Runner(RunnerOptions options);
  CellResult run_cell(const scenario::Scenario& scenario, const scenario::Cell& cell) const;

 private:
  RunnerOptions options_;
  std::shared_ptr<const targets::Target> target_;
};

// Compares a result with its expectation; empty when it matches, else why not.
std::string judge(const scenario::Expectation& expect, const device::ClientReport& report,
                  const std::vector<diagnosis::Finding>& findings);

}  // namespace shakedown::runner
