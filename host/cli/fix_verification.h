#pragma once
// `shakedown run --config FILE --verify-fixes`: for each failed cell, the
// config change its finding's fix names is made in a derived config, built
// on demand, and the cell is run again with it on the simulator: "fix
// verified" when it then passes, "fix did not help" with what it gave
// instead. Its price: the NUCLEO-F429ZI image's flash and RAM before and
// after (where the Cortex-M toolchain is installed) and the cell's peak heap.

#include <optional>
#include <string>
#include <vector>

#include "config_edit.h"
#include "config_import.h"
#include "matrix.h"
#include "runner.h"

namespace shakedown::cli {

// Sets fix_check on each failed cell of `results` (those with a verdict).
// `try_fix`, when given, is tried instead of each finding's own fix.
void verify_fixes(std::vector<runner::CellResult>& results, const std::vector<runner::PlannedCell>& cells,
                  const mbedtls_config::ImportedConfig& config,
                  const std::optional<mbedtls_config::ConfigEdit>& try_fix, const runner::RunnerOptions& options);

// What is known of a fix's price, in one line: "NUCLEO-F429ZI flash +16 B
// (282356 -> 282372), RAM +0 B (...); peak heap +9952 B (8784 -> 18736)";
// empty when nothing is.
std::string price_of(const runner::FixVerification& check);

// One line per checked cell, for the terminal.
void print_fix_checks(const std::vector<runner::CellResult>& results);

}  // namespace shakedown::cli
