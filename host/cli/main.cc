// shakedown: runs TLS handshake scenarios against scripted OpenSSL test
// servers on a target, and explains every failure.
//
//   shakedown run <scenario files or folders> --target sim|qemu|board [-j N]
//       [--bench FILE] [--no-flash] [--record-traffic DIR] [--debug-level N] [--chaos SEED]
//       [--mbedtls LINE] [--filter PATTERN] [--shard K/N] [--list]
//       [--out DIR] [--json FILE] [--junit FILE]
//   shakedown diff <first.json> <second.json>
//   shakedown boards
//   shakedown flash <image> [--serial SN] [--tool openocd|st-flash] [--dry-run]
//   shakedown explain <log file or -> [--json] [--scenario OUT]
//
// Exit status (shakedown/errors/exit_codes.h): 0 every cell as expected;
// 1 some cell not as expected; 2 infrastructure errors (a target that did
// not answer) or an interrupted run; 3 usage errors, including scenario files
// that do not load; 4 no target (`boards` found no board attached); 5 not a
// log (`explain`).

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "board_list.h"
#include "flash.h"
#include "compare.h"
#include "explain.h"
#include "matrix.h"
#include "output_text.h"
#include "report_json.h"
#include "report_junit.h"
#include "report_table.h"
#include "runner.h"
#include "shakedown/errors/exit_codes.h"
#include "scenario_loader.h"
#include "target_registry.h"

namespace {

using namespace shakedown;
// Every subcommand's exit status comes from the one table.
using exit_codes::kAllAsExpected, exit_codes::kUnexpected, exit_codes::kInfrastructure, exit_codes::kUsage,
    exit_codes::kNotALog;

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
  interrupted = true;
}

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
  std::optional<uint64_t> chaos_seed;
};

// Writes the machine-readable reports; returns false (having said why) if one
// could not be written.
bool write_reports(const RunArgs& args, const std::vector<runner::CellResult>& results) {
  bool ok = true;
  auto attempt = [&](const std::string& flag, const std::filesystem::path& path, auto write) {
    if (path.empty()) return;
    try {
      write(path, results, interrupted.load());
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

// --target's help, from the registry's rows: "sim (...), qemu (...) or board (...)".
std::string target_help() {
  const auto rows = targets::target_rows();
  std::string help = "Where the client runs: ";
  for (size_t i = 0; i < rows.size(); ++i) {
    help += i == 0 ? "" : i + 1 == rows.size() ? " or " : ", ";
    help += fmt::format("{}{}{} ({})", rows[i].name, rows[i].parameter.empty() ? "" : ":", rows[i].parameter,
                        rows[i].description);
  }
  return help;
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

int run(RunArgs args) {
  std::vector<scenario::Scenario> scenarios;
  try {
    scenarios = scenario::load_scenarios(std::vector<std::filesystem::path>(args.paths.begin(), args.paths.end()));
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
                        .parameter = target_parameter,
                        .chaos = args.chaos_seed ? std::make_shared<links::ChaosSource>(*args.chaos_seed) : nullptr});
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

  // Ctrl-C stops starting cells; those under way finish (each is bounded)
  // and the results so far are reported and written. Children run in their
  // own process groups, so the terminal's SIGINT reaches only us.
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);

  const bool live = ::isatty(STDERR_FILENO) == 1;  // a progress line only on a terminal
  auto progress = [&](const runner::Progress& p) {
    if (!live) return;
    fmt::print(stderr, "\r[{}/{}] {} running, {} unexpected, {} infrastructure errors; {} {}\033[K", p.done, p.total,
               p.running, p.unexpected, p.infrastructure_errors, p.last->scenario, p.last->cell.mbedtls_line);
  };
  auto results = runner::run_matrix(runner, cells, args.jobs, interrupted, progress);
  if (live) fmt::print(stderr, "\r\033[K");
  const auto target_problems = target->shut_down();

  runner::print_table(stdout, results);
  runner::print_findings(stdout, results);
  const bool written = write_reports(args, results);

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

int diff(const std::string& a_path, const std::string& b_path) {
  try {
    auto comparison = runner::compare_runs(runner::read_results(a_path), runner::read_results(b_path));
    if (comparison.a_target == comparison.b_target) {  // two runs on one target: tell them apart by file
      comparison.a_target = fmt::format("{} ({})", comparison.a_target, a_path);
      comparison.b_target = fmt::format("{} ({})", comparison.b_target, b_path);
    }
    runner::print_comparison(stdout, comparison);
    return comparison.disagreements.empty() && comparison.only_in_a.empty() && comparison.only_in_b.empty()
               ? kAllAsExpected
               : kUnexpected;
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown: {}\n", e.what());
    return kUsage;
  }
}

struct ExplainArgs {
  std::string log;
  bool json = false;
  std::string scenario_out;
};

int explain_log(const ExplainArgs& args) {
  std::error_code ignored;
  if (!args.scenario_out.empty() && args.log != "-" && std::filesystem::equivalent(args.log, args.scenario_out, ignored)) {
    fmt::print(stderr, "shakedown explain: --scenario {}: that is the log being explained; name another file\n",
               args.scenario_out);
    return kUsage;
  }
  explain::LogFacts facts;
  try {
    if (args.log == "-") {
      facts = explain::read_log(std::cin, "stdin");
    } else {
      std::ifstream in(args.log, std::ios::binary);
      if (!in) {
        fmt::print(stderr, "shakedown explain: {}: cannot open ({})\n", args.log, std::strerror(errno));
        return kUsage;
      }
      facts = explain::read_log(in, args.log);
    }
  } catch (const explain::NotALog& e) {
    fmt::print(stderr, "shakedown explain: {}\n", e.what());
    return kNotALog;
  }
  const explain::Explanation explanation = explain::explain(std::move(facts));
  if (args.json) {
    fmt::print("{}\n", runner::json_text(explain::to_json(explanation)));
  } else {
    fmt::print("{}", explain::to_text(explanation));
  }
  if (!args.scenario_out.empty()) {
    std::ofstream out(args.scenario_out);
    out << explain::reproducer_scenario(explanation,
                                        std::filesystem::path(args.scenario_out).stem().string());
    if (!out.flush()) {
      fmt::print(stderr, "shakedown explain: --scenario {}: cannot write ({})\n", args.scenario_out,
                 std::strerror(errno));
      return kUsage;
    }
    if (!args.json) fmt::print("\nReproducer written to {}\n", args.scenario_out);
  }
  const bool unexplained = std::any_of(explanation.findings.begin(), explanation.findings.end(), [](const auto& f) {
    return f.finding.id == diagnosis::FindingId::kUnexplained;
  });
  return unexplained ? kUnexpected : kAllAsExpected;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shakedown: reproduce and explain embedded TLS handshake failures"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SHAKEDOWN_VERSION);
  RunArgs args;
  auto* run_cmd = app.add_subcommand("run", "Run scenarios on a target and explain each failure");
  run_cmd->add_option("paths", args.paths, "Scenario files, or folders of them")->required();
  run_cmd->add_option("--target", args.target, target_help())->capture_default_str();
  run_cmd->add_option("--firmware-dir", args.firmware_dir,
                      "Where the qemu and board targets find their firmware images")
      ->capture_default_str();
  run_cmd->add_option("--bench", args.bench_file,
                      "For --target board: a bench file naming the boards (ST-Link serial numbers) and their network");
  run_cmd->add_flag("--no-flash", args.no_flash,
                    "For --target board: never program a board; one running another build is an infrastructure error");
  run_cmd->add_option("--debug-level", args.debug_level,
                      "Mbed TLS debug level on the device, 0 to 4 (default 3). Lower it for a board: its 115200-baud "
                      "line carries level 3's log at about 3 s a handshake; findings do not depend on it")
      ->check(CLI::Range(0, 4));
  run_cmd->add_option("--record-traffic", args.traffic_dir,
                      "Record every device link's traffic (qemu, board) as transcripts in this folder, replayable in "
                      "tests");
  run_cmd->add_option("-j,--jobs", args.jobs, "Cells run at once (default: the number of cores)")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  run_cmd->add_option("--mbedtls", args.selection.mbedtls_lines,
                      "Run only the cells of these Mbed TLS lines (e.g. 2.28)");
  run_cmd->add_option("--filter", args.selection.filters,
                      "Run only cells whose id (scenario/line/profile, e.g. field/01-suite-mismatch/3.6/field-2x) "
                      "contains this text or matches this glob; may be repeated");
  run_cmd->add_option("--shard", args.shard, "Run the K-th of N equal shares of the cells (K/N), for parallel CI jobs");
  run_cmd->add_flag("--list", args.list, "Print the ids of the cells that would run, and stop");
  run_cmd->add_option("--out", args.out_dir,
                      "Write results.json, junit.xml and each cell's files (device log, result, the server's pcap and "
                      "key log) under this folder");
  run_cmd->add_option("--json", args.json_path, "Also write the results as JSON to this file");
  run_cmd->add_option("--junit", args.junit_path, "Also write the results as JUnit XML to this file");
  run_cmd->add_option("--pki-cache", args.pki_cache, "Where generated certificate chains are kept");
  run_cmd->add_option("--chaos", args.chaos_seed,
                      "Inject faults (drops, corruption, repeats, delays, hang-ups) on the sim and qemu device links, "
                      "from this seed; every cell must still be as expected or an infrastructure error");
  run_cmd->add_flag("--fresh-instances", args.fresh_instances,
                    "Start a new simulator process (or QEMU boot) for every cell instead of reusing one per build");
  std::string diff_a, diff_b;
  auto* diff_cmd = app.add_subcommand(
      "diff", "Compare two runs' --json results cell by cell (e.g. sim against qemu): exit 0 when they agree");
  diff_cmd->add_option("first", diff_a, "A `shakedown run --json` file")->required();
  diff_cmd->add_option("second", diff_b, "Another, e.g. from another target")->required();
  auto* boards_cmd = app.add_subcommand(
      "boards",
      "List attached boards (USB serial ports: port, VID:PID, serial number; ST-Links flagged); exit 4 if none");
  boards::FlashRequest flash_request;
  auto* flash_cmd = app.add_subcommand(
      "flash", "Program a firmware image into a NUCLEO board through its ST-Link (openocd or st-flash); exit 4 if none");
  flash_cmd->add_option("image", flash_request.image, "The image (.elf; st-flash takes the .bin beside it)")
      ->required();
  flash_cmd->add_option("--serial", flash_request.serial,
                        "The ST-Link's serial number (shakedown boards); required when several are attached");
  flash_cmd->add_option("--tool", flash_request.tool, "openocd or st-flash (default: openocd if installed)");
  flash_cmd->add_flag("--dry-run", flash_request.dry_run, "Choose the board and print the command, but do not run it");
  ExplainArgs explain_args;
  auto* explain_cmd = app.add_subcommand(
      "explain", "Read a device's Mbed TLS debug log and say what went wrong (exit 0 explained, 1 unexplained, 5 not a log)");
  explain_cmd->add_option("log", explain_args.log, "The log file, or - for standard input")->required();
  explain_cmd->add_flag("--json", explain_args.json, "Print the findings and the timeline as JSON");
  explain_cmd->add_option("--scenario", explain_args.scenario_out,
                          "Write a scenario that reproduces the failure on the simulator to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kAllAsExpected : kUsage;
  }
  if (diff_cmd->parsed()) return diff(diff_a, diff_b);
  if (boards_cmd->parsed()) return boards::list_boards_command(stdout, stderr);
  if (flash_cmd->parsed()) return boards::flash_command(flash_request, stdout, stderr);
  if (explain_cmd->parsed()) return explain_log(explain_args);
  return run(args);
}
