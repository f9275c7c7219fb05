#pragma once
// `shakedown merge A.json B.json ... --out DIR [--allow-missing]`: the
// results.json files of a run's shards (`shakedown run --shard K/N`, e.g.
// one per CI job) put back together as the whole run's results.json,
// junit.xml and report.html in DIR (runner/merge.h says what is checked).

#include <string>
#include <vector>

namespace shakedown::cli {

struct MergeArgs {
  std::vector<std::string> files;  // the shards' results.json
  std::string out_dir;
  bool allow_missing = false;  // merge even when shards are not given; their cells are counted as missing
};

// Exits as `shakedown run` would have on the whole plan: 0 every cell as
// expected; 1 some cell not (or unexplained); 2 an infrastructure error, an
// interrupted shard, a shard that exited 2, missing cells, or a report that
// could not be written; 3 shards that do not belong together, a shard or
// cell twice, missing cells without --allow-missing, a file that cannot be
// read, or an --out folder that cannot be made.
int merge_command(const MergeArgs& args);

}  // namespace shakedown::cli
