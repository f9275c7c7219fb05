// The scenario suite on the QEMU target (mps2-an386 firmware under
// qemu-system-arm), timed per case with one QEMU boot serving a batch of
// cases (the pooled QemuTarget), and QEMU's boot time (start to the agent's
// banner) measured on its own. Prints figures; asserts nothing.
//
//   shakedown-bench-qemu [--scenarios DIR] [--rounds N] [--boots N] [--fresh-rounds N]
//
// Per case: a scenario cell's wall time as the runner measures it (server
// set-up to verdict), one case at a time, medians over the rounds. The first
// round pays one boot per (Mbed TLS line, profile); the medians hide it, the
// boot figure shows it. --fresh-rounds adds rounds with a boot per case, the
// way the target worked before instances were pooled.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "matrix.h"
#include "qemu_instance.h"
#include "qemu_target.h"
#include "runner.h"
#include "scenario_loader.h"
#include "server_setup.h"
#include "subprocess.h"

#include "bench_figures.h"
#include "scenario_suite.h"

namespace {

using namespace shakedown;
using namespace std::chrono_literals;
using bench::Clock;
using bench::median;
using bench::ms_since;

struct Rounds {
  std::map<std::string, std::vector<double>> ms;   // case id -> wall ms per round
  std::map<std::string, uint32_t> stack_peak;      // case id -> deepest stack seen
  std::map<std::string, runner::Verdict> verdict;  // case id -> last verdict
  std::map<std::string, std::string> why;          // case id -> last reason
  double wall_ms = 0;
};

Rounds run_rounds(targets::QemuTarget& target, const std::filesystem::path& cache,
                  const std::vector<runner::PlannedCell>& cells, int rounds) {
  Rounds out;
  runner::Runner runner({.pki_cache = cache}, target);
  const std::stop_token stop;  // never requested
  const auto start = Clock::now();
  for (int round = 0; round < rounds; ++round) {
    const auto results = runner::run_matrix(runner, cells, 1, stop);
    for (size_t i = 0; i < results.size() && i < cells.size(); ++i) {
      const auto& r = results[i];
      const std::string& id = cells[i].id;
      out.ms[id].push_back(r.seconds * 1e3);
      out.stack_peak[id] = std::max(out.stack_peak[id], r.report.stack_peak);
      out.verdict[id] = r.verdict;
      out.why[id] = r.why;
    }
  }
  out.wall_ms = ms_since(start);
  for (const auto& problem : target.shut_down()) fmt::print(stderr, "shut down: {}\n", problem);
  return out;
}

// The NUCLEO-F429ZI image's stack as its linker script sized it
// (__stack_top - __stack_limit, read with arm-none-eabi-nm); nullopt when
// the image or the tool is missing.
std::optional<uint32_t> board_stack_bytes(const std::filesystem::path& elf) {
  const auto nm = process::find_in_path("arm-none-eabi-nm");
  if (nm.empty() || !std::filesystem::exists(elf)) return std::nullopt;
  const auto listed = process::run_process({nm.string(), elf.string()}, 10s);
  if (!listed.exited_cleanly()) return std::nullopt;
  std::optional<uint32_t> top, limit;
  std::istringstream lines(listed.out);
  std::string address, kind, name;
  while (lines >> address >> kind >> name) {
    if (name == "__stack_top") top = static_cast<uint32_t>(std::stoul(address, nullptr, 16));
    if (name == "__stack_limit") limit = static_cast<uint32_t>(std::stoul(address, nullptr, 16));
  }
  if (!top || !limit || *top <= *limit) return std::nullopt;
  return *top - *limit;
}

// The deepest stack peak of the suite, and what the board's stack leaves
// above it. The QEMU image runs the same agent, core and Mbed TLS objects as
// the board's (one cross build), so its peaks are the board's but for the
// port's own frames (the Ethernet driver, the UART), which the margin covers.
void print_stack_figures(const Rounds& rounds, const std::filesystem::path& firmware_dir) {
  std::string deepest_case;
  uint32_t deepest = 0;
  for (const auto& [id, peak] : rounds.stack_peak) {
    if (peak > deepest) deepest = peak, deepest_case = id;
  }
  if (deepest == 0) {
    fmt::print("stack: no peak reported\n");
    return;
  }
  fmt::print("stack: deepest QEMU peak {} B ({})\n", deepest, deepest_case);
  const auto board_elf = firmware_dir / "firmware-nucleo-f429zi-3.6-default-16k.elf";
  const auto board = board_stack_bytes(board_elf);
  if (!board) {
    fmt::print("stack: NUCLEO-F429ZI image's stack unknown (no {} or no arm-none-eabi-nm)\n", board_elf.string());
    return;
  }
  constexpr double kWantedMargin = 2.0;  // the chosen stack is at least twice the deepest peak
  const double margin = static_cast<double>(*board) / deepest;
  fmt::print("stack: NUCLEO-F429ZI image's stack {} B = {:.1f}x the deepest peak (wanted: at least {:.1f}x: {})\n",
             *board, margin, kWantedMargin, margin >= kWantedMargin ? "met" : "NOT met");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The scenario suite on QEMU: boot time, and per case with one boot serving a batch"};
  std::string scenarios_dir = std::string(SHAKEDOWN_SOURCE_DIR) + "/scenarios";
  std::string firmware_dir = SHAKEDOWN_QEMU_FIRMWARE_DIR;
  std::string relay = SHAKEDOWN_RELAY;
  int rounds = 3, boots = 5, fresh_rounds = 0;
  app.add_option("--scenarios", scenarios_dir, "Scenario folder")->capture_default_str();
  app.add_option("--firmware-dir", firmware_dir, "Firmware images")->capture_default_str();
  app.add_option("--rounds", rounds, "Rounds of the suite on pooled QEMU boots; medians over them")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  app.add_option("--boots", boots, "QEMU boots timed on their own")->check(CLI::Range(1, 50))->capture_default_str();
  app.add_option("--fresh-rounds", fresh_rounds, "Rounds with a QEMU boot per case, for comparison")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  targets::QemuTarget probe(firmware_dir, relay);
  if (auto missing = probe.unavailable("3.6", "default-16k")) {
    fmt::print(stderr, "shakedown-bench-qemu: {}\n", *missing);
    return 3;
  }
  const auto loaded = bench::load_suite(scenarios_dir);
  if (!loaded) return 3;
  const std::vector<scenario::Scenario>& scenarios = *loaded;
  const std::filesystem::path cache = servers::default_pki_cache();
  const auto cells = runner::plan(scenarios, {});
  scenario::ChainStore warm(cache);
  for (const auto& s : scenarios) scenario::set_up_server(s, warm);

  // Boot: QEMU started, UART0 attached, the agent's banner received (sync).
  std::vector<double> boot_ms;
  for (int i = 0; i < boots; ++i) {
    const auto start = Clock::now();
    try {
      targets::QemuInstance qemu({.qemu = process::find_in_path("qemu-system-arm"),
                                  .relay = relay,
                                  .image = probe.image_path("3.6", "default-16k")});
      boot_ms.push_back(ms_since(start));
      qemu.stop(5s);
    } catch (const std::exception& e) {
      fmt::print(stderr, "boot {}: {}\n", i, e.what());
    }
  }
  fmt::print("QEMU boot (start to banner), {} boots of {}: median {:.0f} ms, min {:.0f}, max {:.0f}\n\n",
             boot_ms.size(), probe.image_path("3.6", "default-16k").filename().string(), median(boot_ms),
             boot_ms.empty() ? 0 : *std::min_element(boot_ms.begin(), boot_ms.end()),
             boot_ms.empty() ? 0 : *std::max_element(boot_ms.begin(), boot_ms.end()));
  std::fflush(stdout);  // the suite takes minutes; show the boot figure now

  fmt::print("suite: {} scenarios, {} cases (scenario x Mbed TLS line x profile), one at a time, {} rounds\n",
             scenarios.size(), cells.size(), rounds);
  targets::QemuTarget pooled(firmware_dir, relay);
  const Rounds ours = run_rounds(pooled, cache, cells, rounds);
  Rounds fresh;
  if (fresh_rounds > 0) {
    targets::QemuTarget per_case(firmware_dir, relay, {.reuse_instances = false});
    fresh = run_rounds(per_case, cache, cells, fresh_rounds);
  }

  fmt::print("\n{:<52} {:>5} {:>10} {:>12} {:>12}\n", "scenario", "cases", "pooled ms", "boot/case ms", "stack peak B");
  std::vector<double> all, all_fresh;
  for (const auto& s : scenarios) {
    std::vector<double> o, f;
    uint32_t stack = 0;
    for (const auto& c : cells) {
      if (c.scenario != &s) continue;
      o.push_back(median(ours.ms.at(c.id)));
      if (fresh.ms.contains(c.id)) f.push_back(median(fresh.ms.at(c.id)));
      stack = std::max(stack, ours.stack_peak.at(c.id));
    }
    if (o.empty()) continue;
    all.insert(all.end(), o.begin(), o.end());
    all_fresh.insert(all_fresh.end(), f.begin(), f.end());
    fmt::print("{:<52} {:>5} {:>10.1f} {:>12} {:>12}\n", s.name, o.size(), median(o),
               f.empty() ? "-" : fmt::format("{:.1f}", median(f)), stack == 0 ? "-" : std::to_string(stack));
  }
  const double per_case = median(all);
  fmt::print("\nper case, median over {} cases: {:.1f} ms with pooled boots (target: at most 250 ms: {})", cells.size(),
             per_case, per_case <= 250 ? "met" : "NOT met");
  if (!all_fresh.empty()) fmt::print("; {:.1f} ms with a boot per case", median(all_fresh));
  fmt::print("\nwhole suite x {} rounds, pooled: {:.0f} ms wall\n", rounds, ours.wall_ms);

  int infrastructure = 0, unexpected = 0;
  for (const auto& [id, verdict] : ours.verdict) {
    if (verdict == runner::Verdict::kAsExpected) continue;
    (verdict == runner::Verdict::kInfrastructureError ? infrastructure : unexpected) += 1;
    fmt::print("{} {}: {}\n", verdict == runner::Verdict::kInfrastructureError ? "infrastructure error" : "unexpected",
               id, ours.why.at(id));
  }
  fmt::print("verdicts (last pooled round): {} as expected, {} unexpected, {} infrastructure errors\n",
             ours.verdict.size() - static_cast<size_t>(infrastructure + unexpected), unexpected, infrastructure);
  print_stack_figures(ours, firmware_dir);
  return 0;
}
