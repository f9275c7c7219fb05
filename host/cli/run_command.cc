#include "run_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "interrupts.h"
#include "report_json.h"
#include "report_junit.h"
#include "report_table.h"
#include "runner.h"
#include "scenario_loader.h"
#include "shakedown/errors/exit_codes.h"
#include "target_registry.h"

namespace shakedown::cli {
namespace {

using exit_codes::kAllAsExpected, exit_codes::kUnexpected, exit_codes::kInfrastructure, exit_codes::kUsage;

// Writes the machine-readable reports; returns false (having said why) if one
// could not be written.
bool write_reports(const RunArgs& args, const std::vector<runner::CellResult>& results, bool interrupted) {
  bool ok = true;
  auto attempt = [&](const std::string& flag, const std::filesystem::path& path, auto write) {
    if (path.empty()) return;
    try {
      write(path, results, interrupted);
    } catch (const std::exception& e) {
      fmt::print(stderr, "shakedown: {}: {}\n", flag, e.what());
      ok = false;
    }
  };
  const std::filesystem::path out = args.out_dir;
  attempt("--json", args.json_path, runner::write_json);
  attempt("--junit", args.junit_path, runner::write_junit);
  attempt("--out", out.empty() ? out : out / "results.json", runner::write_json);
  attempt("--out", out.empty() ? out : out / "junit.xml", runner::write_junit);
  return ok;
}

// Creates the folder a flag names, if one is named; false (having said why)
// if it cannot be.
bool make_folder(const char* flag, const std::string& path) {
  if (path.empty()) return true;
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) fmt::print(stderr, "shakedown: {} {}: {}\n", flag, path, ec.message());
  return !ec;
}

}  // namespace

int run_command(RunArgs args) {
  // First: every thread started from here on inherits its blocked signals.
  Interrupts interrupts({});

  std::vector<scenario::Scenario> scenarios;
  try {
    for (const auto& path : args.paths) {
      for (auto& s : scenario::load_scenarios(path)) scenarios.push_back(std::move(s));
    }
  } catch (const scenario::LoadError& e) {
    fmt::print(stderr, "shakedown: {}\n", e.what());
    return kUsage;
  }
  if (!args.shard.empty()) {
    args.selection.shard = runner::Shard::parse(args.shard);
    if (!args.selection.shard) {
      fmt::print(stderr, "shakedown: --shard {}: expected K/N with 1 <= K <= N, e.g. 2/4\n", args.shard);
      return kUsage;
    }
  }
  const auto cells = runner::plan(scenarios, args.selection);
  if (args.list) {
    for (const auto& c : cells) fmt::print("{}\n", c.id);
    return kAllAsExpected;
  }
  if (cells.empty()) {
    fmt::print(stderr, "shakedown: no cell matches (check --filter, --mbedtls and --shard; --list shows the cells)\n");
    return kUsage;
  }
  std::string target_parameter;
  const targets::TargetRow* row = targets::find_target(args.target, &target_parameter);
  if (row == nullptr) {
    fmt::print(stderr, "shakedown: --target {}: expected {}\n", args.target, targets::target_names());
    return kUsage;
  }
  std::unique_ptr<targets::Target> target;
  try {
    target = row->make({.firmware_dir = args.firmware_dir,
                        .bench_file = args.bench_file,
                        .traffic_dir = args.traffic_dir,
                        .fresh_instances = args.fresh_instances,
                        .flash = !args.no_flash,
                        .jobs = args.jobs,
                        .parameter = target_parameter});
  } catch (const targets::TargetUsageError& e) {
    fmt::print(stderr, "shakedown: {}\n", e.what());
    return kUsage;
  }
  args.jobs = std::min(args.jobs, target->max_parallel());
  if (!make_folder("--record-traffic", args.traffic_dir) || !make_folder("--out", args.out_dir)) return kUsage;

  const runner::Runner runner(
      {
          .pki_cache = args.pki_cache.empty() ? servers::default_pki_cache() : std::filesystem::path(args.pki_cache),
          .artifacts_dir =
              args.out_dir.empty() ? std::filesystem::path() : std::filesystem::path(args.out_dir) / "cells",
          .debug_level = args.debug_level,
      },
      *target);

  const bool live = ::isatty(STDERR_FILENO) == 1;  // a progress line only on a terminal
  auto progress = [&](const runner::Progress& p) {
    if (!live) return;
    fmt::print(stderr, "\r[{}/{}] {} running, {} unexpected, {} infrastructure errors; {} {}\033[K", p.done, p.total,
               p.running, p.unexpected, p.infrastructure_errors, p.last->scenario, p.last->cell.mbedtls_line);
  };
  auto results = runner::run_matrix(runner, cells, args.jobs, interrupts.stop_token(), progress);
  if (live) fmt::print(stderr, "\r\033[K");
  const auto target_problems = target->shut_down();
  const bool interrupted = interrupts.interrupted();

  runner::print_table(stdout, results);
  runner::print_findings(stdout, results);
  const bool written = write_reports(args, results, interrupted);

  size_t unexpected = 0, infra = 0, unexplained = 0;
  for (const auto& r : results) {
    unexpected += r.verdict == runner::Verdict::kUnexpected;
    infra += r.verdict == runner::Verdict::kInfrastructureError;
    const auto* f = r.primary_finding();
    unexplained += f != nullptr && f->id == diagnosis::FindingId::kUnexplained;
  }
  for (const auto& problem : target_problems) fmt::print("\ninfrastructure: {}\n", problem);
  if (unexplained > 0) {
    fmt::print(
        "\n!!! {} cell{} failed in a way no rule explains (finding '{}'): read their device logs "
        "and server captures, then add a rule and a scenario.\n",
        unexplained, unexplained == 1 ? "" : "s", diagnosis::finding_name(diagnosis::FindingId::kUnexplained));
  }
  fmt::print("\n{} cells: {} as expected, {} unexpected, {} infrastructure errors{}\n", results.size(),
             results.size() - unexpected - infra, unexpected, infra,
             interrupted ? fmt::format(" (interrupted: {} not run)", cells.size() - results.size()) : "");
  if (!args.out_dir.empty()) fmt::print("results: {}\n", args.out_dir);
  if (infra > 0 || interrupted || !target_problems.empty() || !written) return kInfrastructure;
  return unexpected > 0 || unexplained > 0 ? kUnexpected : kAllAsExpected;
}

}  // namespace shakedown::cli
