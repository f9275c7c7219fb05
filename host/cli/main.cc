// shakedown: runs TLS handshake scenarios against scripted OpenSSL test
// servers on a target, and explains every failure.
//
//   shakedown run <scenario file or folder> --target sim|qemu
//
// Exit status: 0 every cell as expected; 1 some cell not as expected;
// 2 infrastructure errors (a target that did not answer); 3 usage errors,
// including scenario files that do not load.

#include <fmt/format.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>

#include "qemu_target.h"
#include "report_json.h"
#include "report_table.h"
#include "runner.h"
#include "scenario_loader.h"
#include "sim_builds.h"

namespace {

using namespace shakedown;

constexpr int kAllAsExpected = 0;
constexpr int kUnexpected = 1;
constexpr int kInfrastructure = 2;
constexpr int kUsage = 3;

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
  interrupted = true;
}

struct RunArgs {
  std::string path;
  std::string target = "sim";
  std::string pki_cache;
  std::vector<std::string> mbedtls_lines;  // empty: every line a scenario names
  std::string json_path;
  std::string firmware_dir = SHAKEDOWN_DEFAULT_FIRMWARE_DIR;
};

int run(const RunArgs& args) {
  std::vector<scenario::Scenario> scenarios;
  try {
    scenarios = scenario::load_scenarios(args.path);
  } catch (const scenario::LoadError& e) {
    fmt::print(stderr, "shakedown: {}\n", e.what());
    return kUsage;
  }
  std::shared_ptr<const targets::Target> target;
  if (args.target == "qemu") {
    target = std::make_shared<targets::QemuTarget>(args.firmware_dir);
  } else if (args.target != "sim") {
    fmt::print(stderr, "shakedown: --target {}: expected sim or qemu\n", args.target);
    return kUsage;
  }
  const auto build_dir = sim::default_sim_build_dir();
  runner::Runner runner({
      .pki_cache = args.pki_cache.empty() ? servers::default_pki_cache() : std::filesystem::path(args.pki_cache),
      .sim_build_dir = build_dir,
      .target = target,
  });

  // Ctrl-C ends the run after the cell under way; the results so far are
  // still printed. Children run in their own process groups, so the
  // terminal's SIGINT reaches only us.
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);

  std::vector<runner::CellResult> results;
  size_t total = 0;
  // --mbedtls keeps only the cells of the named lines.
  if (!args.mbedtls_lines.empty()) {
    for (auto& s : scenarios) {
      std::erase_if(s.cells, [&](const scenario::Cell& c) {
        return std::find(args.mbedtls_lines.begin(), args.mbedtls_lines.end(), c.mbedtls_line) ==
               args.mbedtls_lines.end();
      });
    }
  }
  for (const auto& s : scenarios) total += s.cells.size();
  const bool live = ::isatty(STDERR_FILENO) == 1;  // a progress line only on a terminal
  for (const auto& s : scenarios) {
    for (const auto& cell : s.cells) {
      if (interrupted) break;
      if (live)
        fmt::print(stderr, "\r[{}/{}] {} {} {}\033[K", results.size() + 1, total, s.name, cell.mbedtls_line,
                   cell.profile);
      results.push_back(runner.run_cell(s, cell));
    }
  }
  if (live) fmt::print(stderr, "\r\033[K");

  runner::print_table(stdout, results);
  runner::print_findings(stdout, results);
  if (!args.json_path.empty()) {
    try {
      runner::write_json(args.json_path, results, interrupted);
    } catch (const std::exception& e) {
      fmt::print(stderr, "shakedown: --json: {}\n", e.what());
      return kInfrastructure;
    }
  }

  size_t unexpected = 0, infra = 0;
  for (const auto& r : results) {
    unexpected += r.verdict == runner::Verdict::kUnexpected;
    infra += r.verdict == runner::Verdict::kInfrastructureError;
  }
  fmt::print("\n{} cells: {} as expected, {} unexpected, {} infrastructure errors{}\n", results.size(),
             results.size() - unexpected - infra, unexpected, infra,
             interrupted ? fmt::format(" (interrupted: {} not run)", total - results.size()) : "");
  if (infra > 0 || interrupted) return kInfrastructure;
  return unexpected > 0 ? kUnexpected : kAllAsExpected;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shakedown: reproduce and explain embedded TLS handshake failures"};
  app.require_subcommand(1);
  RunArgs args;
  auto* run_cmd = app.add_subcommand("run", "Run scenarios on a target and explain each failure");
  run_cmd->add_option("path", args.path, "A scenario file, or a folder of them")->required();
  run_cmd->add_option("--target", args.target, "Where the client runs: sim, or qemu (the firmware under QEMU)")
      ->capture_default_str();
  run_cmd->add_option("--firmware-dir", args.firmware_dir, "Where the qemu target finds its firmware images")
      ->capture_default_str();
  run_cmd->add_option("--pki-cache", args.pki_cache, "Where generated certificate chains are kept");
  run_cmd->add_option("--mbedtls", args.mbedtls_lines, "Run only the cells of these Mbed TLS lines (e.g. 2.28)");
  run_cmd->add_option("--json", args.json_path, "Also write the results as JSON to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsage;
  }
  return run(args);
}
