#pragma once
// The run matrix: every (scenario, Mbed TLS line, profile) cell on a target,
// narrowed by --mbedtls, --filter and --shard, and run on N worker threads
// with results kept in the plan's order.

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "runner.h"
#include "scenario.h"

namespace shakedown::runner {

struct PlannedCell {
  const scenario::Scenario* scenario = nullptr;
  scenario::Cell cell;
  std::string id;  // "field/01-suite-mismatch/3.6/field-2x": what --filter and --list see
};

struct Shard {
  unsigned index = 1;  // 1-based
  unsigned count = 1;
  // Parses "K/N" with 1 <= K <= N; nullopt otherwise.
  static std::optional<Shard> parse(const std::string& text);
};

struct Selection {
  std::vector<std::string> mbedtls_lines;  // empty: every line a scenario names
  // A cell runs if any filter matches its id: a glob (*, ?, [...]) must match
  // the whole id, other text anywhere in it. Empty: every cell.
  std::vector<std::string> filters;
  std::optional<Shard> shard;  // every count-th cell of the filtered plan, from the index-th
};

std::string cell_id(const scenario::Scenario& scenario, const scenario::Cell& cell);
bool matches(const std::string& filter, const std::string& id);

// The cells to run, in scenario order; `scenarios` must outlive the plan.
std::vector<PlannedCell> plan(const std::vector<scenario::Scenario>& scenarios, const Selection& selection);

struct Progress {
  size_t done = 0, total = 0, running = 0;
  size_t unexpected = 0, infrastructure_errors = 0;
  const CellResult* last = nullptr;  // the cell that just finished
};

// Runs the plan on `jobs` threads. Once `stop` is requested no new cell
// starts, and the cells under way give up promptly (as interrupted
// infrastructure errors, Runner::run_cell). Returns the results of the
// cells that ran, in plan order. `on_progress` is called, serialized, after
// each cell.
std::vector<CellResult> run_matrix(const Runner& runner, const std::vector<PlannedCell>& cells, unsigned jobs,
                                   std::stop_token stop,
                                   const std::function<void(const Progress&)>& on_progress = {});

}  // namespace shakedown::runner
