#pragma once
// The machine-readable results: one JSON object per cell, for CI dashboards
// and for comparing runs.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner.h"
#include "shakedown/errors/result.h"

namespace shakedown::runner {

nlohmann::json to_json(const CellResult& result);
// What the server saw: its ClientHello, transcript, alerts, verdict, pcap.
nlohmann::json to_json(const servers::ConnectionCapture& capture);

// Writes a cell's device.log and result.json into `dir`; an infrastructure
// error saying why if it cannot.
Result<void> save_cell_artifacts(const std::filesystem::path& dir, const CellResult& result);

// Writes {"results": [...], "summary": {...}} to `path` (through a temporary
// file, so a reader never sees half a file). Throws std::runtime_error.
void write_json(const std::filesystem::path& path, const std::vector<CellResult>& results, bool interrupted);

}  // namespace shakedown::runner
