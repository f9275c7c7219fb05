#pragma once
// The machine-readable results: one JSON object per cell, for CI dashboards
// and for comparing runs.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner.h"
#include "shakedown/errors/result.h"

namespace shakedown::runner {

nlohmann::json to_json(const CellResult& result);
// A verdict as results.json names it ("as-expected"), and back.
std::string_view verdict_name(Verdict verdict);
std::optional<Verdict> parse_verdict(std::string_view name);
// What the server saw: its ClientHello, transcript, alerts, verdict, pcap.
nlohmann::json to_json(const servers::ConnectionCapture& capture);

// Writes a cell's device.log and result.json into `dir`; an infrastructure
// error saying why if it cannot.
Result<void> save_cell_artifacts(const std::filesystem::path& dir, const CellResult& result);

// Writes {"results": [...], "summary": {...}} to `path` (through a temporary
// file, so a reader never sees half a file). Throws std::runtime_error.
void write_json(const std::filesystem::path& path, const std::vector<CellResult>& results, bool interrupted);
// The same from cells already in their JSON form (to_json's, e.g. read back
// from a run's journal).
void write_json(const std::filesystem::path& path, const std::vector<nlohmann::json>& cells, bool interrupted);

}  // namespace shakedown::runner
