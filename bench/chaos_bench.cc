// A scenario suite with faults injected on every device link, as `shakedown
// run --chaos SEED` runs it (the same target factory, runner and retries),
// once per seed. Prints, per seed: cells, as expected, infrastructure
// errors, unexpected (wrong verdicts), cells recovered by a retry, cells
// whose device log lost or repeated lines, and the faults injected. Every
// unexpected cell is listed with why. Asserts nothing.
//
//   shakedown-bench-chaos [--scenarios DIR] [--target sim|qemu] [--firmware-dir DIR]
//                         [--seed N]... [-j N] [--json FILE]
//
// With --json, each seed's results.json goes to FILE with the seed before
// the extension (chaos.json: chaos-1.json, chaos-2.json, ...).

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <atomic>

#include "chaos_link.h"
#include "matrix.h"
#include "report_json.h"
#include "runner.h"
#include "scenario_loader.h"
#include "target_registry.h"

#include "bench_figures.h"
#include "scenario_suite.h"

namespace {

using namespace shakedown;
using bench::Clock;
using bench::ms_since;

struct Figures {
  size_t cells = 0, as_expected = 0, infrastructure = 0, unexpected = 0, recovered = 0, retried = 0;
  size_t log_incomplete = 0;
};

Figures count(const std::vector<runner::CellResult>& results) {
  Figures f{.cells = results.size()};
  for (const auto& r : results) {
    f.as_expected += r.verdict == runner::Verdict::kAsExpected;
    f.infrastructure += r.verdict == runner::Verdict::kInfrastructureError;
    f.unexpected += r.verdict == runner::Verdict::kUnexpected;
    f.retried += r.attempts > 1;
    f.recovered += r.attempts > 1 && r.verdict != runner::Verdict::kInfrastructureError;
    f.log_incomplete += r.verdict != runner::Verdict::kInfrastructureError && r.report.log_incomplete();
  }
  return f;
}

std::filesystem::path per_seed(const std::filesystem::path& json, uint64_t seed) {
  return json.parent_path() / fmt::format("{}-{}{}", json.stem().string(), seed, json.extension().string());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A scenario suite with faults on the device links: no fault may become a wrong verdict"};
  std::string scenarios_dir = std::string(SHAKEDOWN_SOURCE_DIR) + "/scenarios";
  std::string target_name = "sim";
  std::string firmware_dir = SHAKEDOWN_QEMU_FIRMWARE_DIR;
  std::vector<uint64_t> seeds = {1};
  unsigned jobs = 2;
  std::string json;
  app.add_option("--scenarios", scenarios_dir, "Scenario file or folder")->capture_default_str();
  app.add_option("--target", target_name, "sim or qemu")->check(CLI::IsMember({"sim", "qemu"}))->capture_default_str();
  app.add_option("--firmware-dir", firmware_dir, "QEMU firmware images")->capture_default_str();
  app.add_option("--seed", seeds, "Chaos seeds, a run of the suite each")->capture_default_str();
  app.add_option("-j,--jobs", jobs, "Cells run at once")->check(CLI::Range(1, 64))->capture_default_str();
  app.add_option("--json", json, "Also write each seed's results, as `shakedown run --json` does");
  CLI11_PARSE(app, argc, argv);

  const auto loaded = bench::load_suite(scenarios_dir);
  if (!loaded) return 3;
  const std::vector<scenario::Scenario>& scenarios = *loaded;
  const auto cells = runner::plan(scenarios, {});
  const targets::TargetRow* row = targets::find_target(target_name);

  for (uint64_t seed : seeds) {
    auto chaos = std::make_shared<links::ChaosSource>(seed);
    auto target = row->make({.firmware_dir = firmware_dir, .jobs = jobs, .chaos = chaos});
    const runner::Runner runner({.pki_cache = servers::default_pki_cache()}, *target);
    const auto start = Clock::now();
    const auto results = runner::run_matrix(runner, cells, jobs, std::stop_token{});
    const double seconds = ms_since(start) / 1e3;
    const auto problems = target->shut_down();
    target.reset();  // every link gone: the totals are complete

    const Figures f = count(results);
    const links::ChaosCounts c = chaos->totals();
    fmt::print(
        "chaos seed {} on {}: {} cells: {} as expected, {} infrastructure errors, {} unexpected (wrong verdicts); "
        "{} recovered by retry ({} retried); {} with device-log lines lost or repeated; {:.0f} s\n",
        seed, target_name, f.cells, f.as_expected, f.infrastructure, f.unexpected, f.recovered, f.retried,
        f.log_incomplete, seconds);
    fmt::print("  faults injected on {} links: {} bytes dropped, {} corrupted, {} repeats, {} delays, {} cuts\n",
               chaos->links(), c.dropped, c.corrupted, c.duplicated, c.delayed, c.cuts);
    for (const auto& r : results) {
      if (r.verdict == runner::Verdict::kUnexpected) {
        fmt::print("  UNEXPECTED {}/{}/{}: {}\n", r.scenario, r.cell.mbedtls_line, r.cell.profile, r.why);
      }
    }
    for (const auto& p : problems) fmt::print("  at shut-down: {}\n", p);
    if (!json.empty()) runner::write_json(per_seed(json, seed), results, false);
    std::fflush(stdout);
  }
  return 0;
}
