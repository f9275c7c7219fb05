#include "run_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>

#include "build_check.h"
#include "build_suites.h"
#include "fix_verification.h"
#include "imported_config_cells.h"
#include "interrupts.h"
#include "journal.h"
#include "report_html.h"
#include "report_json.h"
#include "report_junit.h"
#include "report_table.h"
#include "run_folder.h"
#include "runner.h"
#include "scenario_loader.h"
#include "shakedown/errors/exit_codes.h"
#include "sim_builds.h"
#include "target_registry.h"

namespace shakedown::cli {
namespace {

namespace fs = std::filesystem;
using exit_codes::kAllAsExpected, exit_codes::kUnexpected, exit_codes::kInfrastructure, exit_codes::kUsage;

// What stopping at once (a second Ctrl-C) must still do, as far as the run
// has got: end the journal on a whole line and remove the temporary files.
// Its children die with the process (process::spawn).
class AtOnce {
 public:
  void journal(runner::JournalWriter* journal, std::string out) {
    std::lock_guard lock(mutex_);
    journal_ = journal;
    out_ = std::move(out);
  }
  void scratch(fs::path path) {
    std::lock_guard lock(mutex_);
    scratch_ = std::move(path);
  }
  void operator()() {
    std::lock_guard lock(mutex_);
    if (journal_ != nullptr) {
      journal_->seal();
      fmt::print(stderr, "shakedown: {}/{} holds every cell that finished; `shakedown report {}` writes its reports\n",
                 out_, runner::kJournalFile, out_);
    }
    std::error_code ignored;
    if (!scratch_.empty()) fs::remove_all(scratch_, ignored);
  }

 private:
  std::mutex mutex_;
  runner::JournalWriter* journal_ = nullptr;
  std::string out_;
  fs::path scratch_;
};

// Writes the reports (JSON, JUnit, and with --out the HTML page, all from
// one results document); returns false (having said why) if one could not
// be written.
bool write_reports(const RunArgs& args, const std::vector<runner::CellResult>& results, const runner::RunFacts& run,
                   const std::vector<runner::CellNotRun>& not_run) {
  bool ok = true;
  auto attempt = [&](const std::string& flag, const fs::path& path, auto write) {
    if (path.empty()) return;
    try {
      write(path);
    } catch (const std::exception& e) {
      fmt::print(stderr, "shakedown: {}: {}\n", flag, e.what());
      ok = false;
    }
  };
  std::vector<nlohmann::json> cells;
  for (const auto& r : results) cells.push_back(runner::to_json(r));
  const auto document = runner::results_document(cells, run);
  auto json = [&](const fs::path& path) { runner::write_document(path, document); };
  auto junit = [&](const fs::path& path) { runner::write_junit(path, results, run.interrupted, not_run); };
  auto html = [&](const fs::path& path) {
    runner::write_file(path, report_html::run_page(document, path.parent_path()));
  };
  const fs::path out = args.out_dir;
  attempt("--json", args.json_path, json);
  attempt("--junit", args.junit_path, junit);
  attempt("--out", out.empty() ? out : out / "results.json", json);
  attempt("--out", out.empty() ? out : out / "junit.xml", junit);
  attempt("--out", out.empty() ? out : out / "report.html", html);
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

Tally::Tally(const std::vector<runner::CellResult>& results) : cells(results.size()) {
  for (const auto& r : results) {
    unexpected += r.verdict == runner::Verdict::kUnexpected;
    infrastructure += r.verdict == runner::Verdict::kInfrastructureError;
    const auto* f = r.primary_finding();
    unexplained += f != nullptr && f->id == diagnosis::FindingId::kUnexplained;
  }
}

int Tally::exit_status(bool trouble) const {
  if (infrastructure > 0 || trouble) return kInfrastructure;
  return unexpected > 0 || unexplained > 0 ? kUnexpected : kAllAsExpected;
}

int run_command(RunArgs args) {
  // Declared before the interrupts, which may use them until they are gone.
  std::optional<runner::FolderLock> out_lock;
  std::optional<runner::ScratchFolder> scratch;
  std::optional<runner::JournalWriter> journal;
  AtOnce at_once;
  const std::string started = runner::utc_now();
  const auto run_clock = std::chrono::steady_clock::now();
  // First: every thread started from here on inherits its blocked signals.
  Interrupts interrupts([&at_once] { at_once(); });

  std::vector<scenario::Scenario> scenarios;
  try {
    scenarios = scenario::load_scenarios(std::vector<fs::path>(args.paths.begin(), args.paths.end()));
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
  std::optional<mbedtls_config::ImportedConfig> config;
  std::optional<mbedtls_config::ConfigEdit> try_fix;
  if ((args.verify_fixes || !args.try_fix.empty()) && args.config_file.empty()) {
    fmt::print(stderr, "shakedown: --verify-fixes and --try-fix change a config: name it with --config\n");
    return kUsage;
  }
  if (!args.try_fix.empty()) {
    try_fix = mbedtls_config::parse_config_edit(args.try_fix);
    if (!try_fix) {
      fmt::print(stderr,
                 "shakedown: --try-fix {}: expected an option and its value, e.g. \"MBEDTLS_MPI_MAX_SIZE 512\"\n",
                 args.try_fix);
      return kUsage;
    }
  }
  if (!args.config_file.empty()) {
    config = import_for_run(args.config_file, args.selection.mbedtls_lines);
    if (!config) return kUsage;
    const auto planned_line = planned_line_for(scenarios, *config);
    if (!planned_line) return kUsage;
    args.selection.mbedtls_lines = {*planned_line};
  }
  // The whole plan first, then the shard's share of it: with --config too,
  // shards share out the config's cells, so no two run one.
  auto whole_selection = args.selection;
  whole_selection.shard.reset();
  auto whole = runner::plan(scenarios, whole_selection);
  if (config) whole = cells_for_config(whole, *config, args.expect_like);
  // What results.json says the run is, for `shakedown merge`.
  const runner::RunFacts identity{.build = SHAKEDOWN_VERSION,
                                  .plan = runner::plan_facts(whole, args.selection.shard.has_value()),
                                  .shard = args.selection.shard};
  auto cells = args.selection.shard ? runner::take_shard(std::move(whole), *args.selection.shard) : std::move(whole);
  if (args.list) {
    for (const auto& c : cells) fmt::print("{}\n", c.id);
    return kAllAsExpected;
  }
  fs::path sim_dir = sim::default_sim_build_dir();
  if (config) {
    const auto made = build_for_target(*config, args.target);
    if (!made) return kUsage;
    sim_dir = made->simulator.dir;
    if (made->image) args.firmware_dir = made->image->dir.string();
  }
  const auto built =
      runner::check_client_suites(cells, [&sim_dir](const std::string& line, const std::string& profile) {
        return targets::sim_build_suites(sim_dir, line, profile);
      });
  for (const auto& warning : built.unchecked) fmt::print(stderr, "shakedown: warning: {}\n", warning);
  for (const auto& refusal : built.refusals) fmt::print(stderr, "shakedown: {}\n", refusal);
  if (!built.refusals.empty()) return kUsage;
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
  // The run's folders before its target, which keeps temporary files there.
  try {
    if (!args.out_dir.empty()) {
      out_lock = runner::FolderLock::take(args.out_dir);
      if (!out_lock) {
        fmt::print(stderr, "shakedown: --out {}: another shakedown run is writing there\n", args.out_dir);
        return kUsage;
      }
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown: --out {}\n", e.what());
    return kUsage;
  }
  try {
    scratch.emplace(args.out_dir);
    at_once.scratch(scratch->path());
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown: {}\n", e.what());
    return kInfrastructure;
  }
  std::unique_ptr<targets::Target> target;
  try {
    target = row->make({.firmware_dir = args.firmware_dir,
                        .bench_file = args.bench_file,
                        .traffic_dir = args.traffic_dir,
                        .fresh_instances = args.fresh_instances,
                        .flash = !args.no_flash,
                        .jobs = args.jobs,
                        .parameter = target_parameter,
                        .chaos = args.chaos_seed ? std::make_shared<links::ChaosSource>(*args.chaos_seed) : nullptr,
                        .scratch_dir = scratch->path(),
                        .sim_build_dir = sim_dir});
  } catch (const targets::TargetUsageError& e) {
    fmt::print(stderr, "shakedown: {}\n", e.what());
    return kUsage;
  }
  args.jobs = std::min(args.jobs, target->max_parallel());
  if (!make_folder("--record-traffic", args.traffic_dir)) return kUsage;
  const fs::path cells_dir = args.out_dir.empty() ? fs::path() : fs::path(args.out_dir) / "cells";
  if (!args.out_dir.empty()) {
    try {
      if (const auto aside = runner::prepare_for_run(args.out_dir)) {
        fmt::print(stderr,
                   "shakedown: --out {} held a run that did not finish: its journal, cells and rebuilt reports are "
                   "now in {}\n",
                   args.out_dir, aside->string());
      }
      journal.emplace(fs::path(args.out_dir) / runner::kJournalFile, target->name(), cells, cells_dir,
                      runner::run_identity(identity));
      at_once.journal(&*journal, args.out_dir);
    } catch (const std::exception& e) {
      fmt::print(stderr, "shakedown: --out {}: {}\n", args.out_dir, e.what());
      return kInfrastructure;
    }
  }

  const runner::RunnerOptions runner_options{
      .pki_cache = args.pki_cache.empty() ? servers::default_pki_cache() : fs::path(args.pki_cache),
      .artifacts_dir = cells_dir,
      .debug_level = args.debug_level,
      .scratch_dir = scratch->path(),
      .profile_files = config ? std::map<std::string, std::string>{{config->name, args.config_file}}
                              : std::map<std::string, std::string>{},
  };
  const runner::Runner runner(runner_options, *target);

  const bool live = ::isatty(STDERR_FILENO) == 1;  // a progress line only on a terminal
  bool journal_failed = false;
  auto progress = [&](const runner::Progress& p) {
    // Each cell is in the journal before the next is reported: a run killed
    // outright loses none that finished.
    if (journal && !journal_failed) {
      try {
        journal->append(*p.last);
      } catch (const std::exception& e) {
        fmt::print(stderr, "\nshakedown: --out: {}\n", e.what());
        journal_failed = true;
      }
    }
    if (!live) return;
    fmt::print(stderr, "\r[{}/{}] {} running, {} unexpected, {} infrastructure errors; {} {}\033[K", p.done, p.total,
               p.running, p.unexpected, p.infrastructure_errors, p.last->scenario, p.last->cell.mbedtls_line);
  };
  auto results = runner::run_matrix(runner, cells, args.jobs, interrupts.stop_token(), progress);
  if (live) fmt::print(stderr, "\r\033[K");
  const auto target_problems = target->shut_down();
  const bool interrupted = interrupts.interrupted();
  if (config && (args.verify_fixes || try_fix) && !interrupted) {
    auto fix_options = runner_options;
    fix_options.artifacts_dir.clear();  // the cells' own artifacts stay the first run's
    verify_fixes(results, cells, *config, try_fix, fix_options);
  }

  std::vector<runner::CellNotRun> planned;
  for (const auto& c : cells)
    planned.push_back({target->name(), c.scenario->name, c.cell.mbedtls_line, c.cell.profile});
  const auto not_run = runner::cells_not_run(planned, results);

  runner::print_table(stdout, results);
  runner::print_findings(stdout, results);
  print_fix_checks(results);
  const Tally tally(results);
  runner::RunFacts run = identity;
  run.interrupted = interrupted;
  run.started = started;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_clock).count();
  run.exit_status = tally.exit_status(interrupted || !target_problems.empty() || journal_failed);
  bool written = write_reports(args, results, run, not_run) && !journal_failed;
  at_once.scratch({});
  scratch->remove();
  if (journal && written) {
    try {
      journal->finish(interrupted);
    } catch (const std::exception& e) {
      fmt::print(stderr, "shakedown: --out: {}\n", e.what());
      written = false;
    }
  }

  for (const auto& problem : target_problems) fmt::print("\ninfrastructure: {}\n", problem);
  if (tally.unexplained > 0) {
    fmt::print(
        "\n!!! {} cell{} failed in a way no rule explains (finding '{}'): read their device logs "
        "and server captures, then add a rule and a scenario.\n",
        tally.unexplained, tally.unexplained == 1 ? "" : "s",
        diagnosis::finding_name(diagnosis::FindingId::kUnexplained));
  }
  fmt::print("\n{} cells: {} as expected, {} unexpected, {} infrastructure errors{}\n", results.size(),
             results.size() - tally.unexpected - tally.infrastructure, tally.unexpected, tally.infrastructure,
             interrupted ? fmt::format(" (interrupted: {} not run)", not_run.size()) : "");
  if (!args.out_dir.empty()) {
    fmt::print("results: {}\n", args.out_dir);
    fmt::print("report: {}\n", (fs::path(args.out_dir) / "report.html").string());
  }
  return tally.exit_status(interrupted || !target_problems.empty() || !written);
}

}  // namespace shakedown::cli
