#pragma once
// `shakedown run`: the arguments main.cc binds to its options, and the
// command itself (load, plan, run the matrix, report).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "matrix.h"
#include "runner.h"

namespace shakedown::cli {

struct RunArgs {
  std::vector<std::string> paths;
  std::string target = "sim";
  std::string firmware_dir = SHAKEDOWN_DEFAULT_FIRMWARE_DIR;
  std::string pki_cache;
  runner::Selection selection;
  std::string shard;
  bool list = false;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  bool fresh_instances = false;
  std::string out_dir;
  std::string json_path;
  std::string junit_path;
  std::string bench_file;
  bool no_flash = false;
  std::string traffic_dir;
  std::optional<uint8_t> debug_level;
  std::optional<uint64_t> chaos_seed;  // --chaos SEED
  std::string config_file;             // --config: a device's own config, built on demand
  std::string expect_like;             // --expect-like PROFILE: the config's cells expect what PROFILE's do
  bool verify_fixes = false;           // --verify-fixes: each failed cell's fix built and run again
  std::string try_fix;                 // --try-fix "NAME [VALUE]": this change instead of each finding's fix
};

// The cells' verdicts counted, and the exit status they give a run.
struct Tally {
  size_t cells = 0, unexpected = 0, infrastructure = 0, unexplained = 0;
  explicit Tally(const std::vector<runner::CellResult>& results);
  // kInfrastructure for an infrastructure error or `trouble` (the run was
  // interrupted, a report was not written); else kUnexpected for a cell not
  // as expected or unexplained; else kAllAsExpected.
  int exit_status(bool trouble) const;
};

// Runs the command; returns its exit status (shakedown/errors/exit_codes.h).
int run_command(RunArgs args);

}  // namespace shakedown::cli
