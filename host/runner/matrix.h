#pragma once
// The run matrix: every (scenario, Mbed TLS line, profile) cell on a target,
// narrowed by --mbedtls, --filter and --shard, and run on N worker threads
// with results kept in the plan's order.

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
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
  std::string text() const;  // "K/N"
  // Whether the cell at `position` (0-based) of the whole plan is this
  // shard's: every count-th cell, from the index-th. The one rule.
  bool holds(size_t position) const { return position % count == index - 1; }
  // How many of a plan of `cells` cells are this shard's.
  size_t share_of(size_t cells) const { return cells < index ? 0 : (cells - index) / count + 1; }
};

struct Selection {
  std::vector<std::string> mbedtls_lines;  // empty: every line a scenario names
  // A cell runs if any filter matches its id: a glob (*, ?, [...]) must match
  // the whole id, other text anywhere in it. Empty: every cell.
  std::vector<std::string> filters;
  std::optional<Shard> shard;  // every count-th cell of the filtered plan, from the index-th
};

std::string cell_id(const scenario::Scenario& scenario, const scenario::Cell& cell);
// The same from its parts: "field/01-suite-mismatch/2.28/field-2x".
std::string cell_id(std::string_view scenario, std::string_view mbedtls_line, std::string_view profile);
bool matches(const std::string& filter, const std::string& id);

// The cells to run, in scenario order; `scenarios` must outlive the plan.
std::vector<PlannedCell> plan(const std::vector<scenario::Scenario>& scenarios, const Selection& selection);
// `shard`'s cells of a whole plan, in order.
std::vector<PlannedCell> take_shard(std::vector<PlannedCell> whole, const Shard& shard);

// What a run is a share of, so that shards can be checked to belong
// together (`shakedown merge`): the whole plan, before --shard.
struct PlanFacts {
  size_t cells = 0;
  std::string hash;              // plan_hash of the ids
  std::vector<std::string> ids;  // in plan order; kept only for a shard (what a merge orders by)
};
PlanFacts plan_facts(const std::vector<PlannedCell>& whole, bool keep_ids);
// The first 16 hex digits of the SHA-256 of the ids, sorted, one a line:
// the same for the same set of cells on any machine and in any order.
std::string plan_hash(std::vector<std::string> ids);

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
