#pragma once
// The machine-readable results: one JSON object per cell, for CI dashboards
// and for comparing runs.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "matrix.h"
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

// The run as a whole, for results.json's summary (and the HTML report's
// header).
struct RunFacts {
  bool interrupted = false;
  std::string started;             // UTC, ISO 8601; empty: not known
  std::optional<double> seconds;   // the run's wall time
  std::optional<int> exit_status;  // what `shakedown run` exits with
  // What the run is, for `shakedown merge` to check that shards belong
  // together: the build ("shakedown"), the whole plan, the share of it.
  std::string build;                     // "shakedown": the build id; empty: not known
  std::optional<PlanFacts> plan;         // "plan": {"cells", "hash", "ids" (a shard's only)}
  std::optional<Shard> shard;            // "shard": "K/N"; absent when not sharded
  std::vector<std::string> merged_from;  // a merged run's shard files
  std::optional<size_t> missing;         // a merged run's cells of shards not given
};

// {"results": [...], "summary": {...}} from cells in their JSON form
// (to_json's, or read back from a run's journal).
nlohmann::json results_document(const std::vector<nlohmann::json>& cells, const RunFacts& run);
// The summary's fields that say what the run is ("shakedown", "plan",
// "shard"), as results_document writes them: what a run's journal keeps, so
// that reports rebuilt from it carry them too.
nlohmann::json run_identity(const RunFacts& run);

// Writes `text` to `path` through PATH.tmp, so a reader never sees half a
// file (and a run killed mid-write leaves only the .tmp, which the next run
// or `shakedown report` removes). Throws std::runtime_error naming the file.
void write_file(const std::filesystem::path& path, const std::string& text);

// Writes `document` to `path` (through write_file). Throws std::runtime_error.
void write_document(const std::filesystem::path& path, const nlohmann::json& document);
// results_document of `results`, written so.
void write_json(const std::filesystem::path& path, const std::vector<CellResult>& results, bool interrupted);
void write_json(const std::filesystem::path& path, const std::vector<nlohmann::json>& cells, bool interrupted);

// A string field of a JSON object; "" when absent or not a string.
std::string string_field(const nlohmann::json& object, const char* field);

// The current time, UTC, ISO 8601 ("2025-01-31T12:00:00Z").
std::string utc_now();

}  // namespace shakedown::runner
