#pragma once
// The console summary: one row per cell, then each finding in full.

#include <cstdio>
#include <vector>

#include "runner.h"

namespace shakedown::runner {

void print_table(std::FILE* out, const std::vector<CellResult>& results);
void print_findings(std::FILE* out, const std::vector<CellResult>& results);

}  // namespace shakedown::runner
