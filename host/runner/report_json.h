#pragma once
// The machine-readable results: one JSON object per cell, for CI dashboards
// and for comparing runs.

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner.h"

namespace shakedown::runner {

nlohmann::json to_json(const CellResult& result);

// Writes {"results": [...], "summary": {...}} to `path` (through a temporary
// file, so a reader never sees half a file). Throws std::runtime_error.
void write_json(const std::filesystem::path& path, const std::vector<CellResult>& results, bool interrupted);

}  // namespace shakedown::runner
