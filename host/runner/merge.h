#pragma once
// Shards of one run put back together (`shakedown merge`): the results.json
// files of `shakedown run --shard K/N`, K = 1..N, checked to be shares of one
// plan ("plan": its cell count and hash), made by one build ("shakedown",
// and one config hash per target, line and profile) on one target, each
// shard and each cell once; then joined into the results of the whole run.
//
// The merged cells are in the plan's order when the shards carry the plan's
// ids (every shard this build writes does), else sorted by cell id. A cell
// of the plan without a result is missing when its shard was not given (or
// a shard that finished lacks it), and not run when its shard was
// interrupted; missing cells are refused unless allowed.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report_json.h"
#include "report_junit.h"
#include "shakedown/errors/result.h"

namespace shakedown::runner {

struct ShardFile {
  std::string name;         // as given: named in messages and in "merged_from"
  nlohmann::json document;  // its results.json (read_results)
};

struct MergedRun {
  std::vector<nlohmann::json> cells;  // the shards' cells, in the plan's order or by id
  bool in_plan_order = false;
  // For results_document: "started" the earliest shard's, "seconds" the
  // longest shard's (the wall time of shards run in parallel),
  // "interrupted" if any shard was, "shakedown", "plan" (cells and hash),
  // "merged_from", "missing". The exit status is the caller's to add.
  RunFacts facts;
  std::vector<Shard> absent;        // the shards not given
  size_t missing = 0;               // planned cells of shards not given, or that a finished shard lacks
  std::vector<CellNotRun> not_run;  // the planned cells without a result, when the plan's ids are known
  // An interrupted shard, a shard that exited 2 (infrastructure), or
  // missing cells: the merged run exits 2 whatever its verdicts.
  bool trouble = false;
};

// Merges `shards`. A usage error (one line, naming the files and the
// summary or cell field) when they do not belong together, a cell or a
// shard comes twice, or cells are missing and `allow_missing` is false.
Result<MergedRun> merge_shards(const std::vector<ShardFile>& shards, bool allow_missing);

}  // namespace shakedown::runner
