#pragma once
// JUnit XML for CI systems: one <testcase> per matrix cell, grouped in a
// <testsuite> per scenario folder and target. A cell not as expected is a
// <failure> whose message carries the primary finding; an infrastructure
// error is an <error>, so dashboards never count it as a test result. The
// device log is the testcase's system-out. A cell planned but not run (the
// run was interrupted, or died) is a testcase marked <skipped>.

#include <filesystem>
#include <string>
#include <vector>

#include "runner.h"

namespace shakedown::runner {

// A cell of the plan that did not run.
struct CellNotRun {
  std::string target, scenario, mbedtls_line, profile;
  std::string why;  // the <skipped> message; empty: the run was interrupted
};

// Writes the report to `path` through a temporary file. Throws
// std::runtime_error naming the file when it cannot.
void write_junit(const std::filesystem::path& path, const std::vector<CellResult>& results, bool interrupted,
                 const std::vector<CellNotRun>& not_run = {});

}  // namespace shakedown::runner
