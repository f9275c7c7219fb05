// A soak: many cells in one process, as `shakedown run` runs them (the sim
// target from the target registry, one runner::Runner, runner::run_matrix),
// cycling over a few fast scenarios that pass and fail in different ways.
// At the start, every --every cells and at the end it prints what a leak
// would grow: open file descriptors, resident and heap memory, threads,
// child processes (alive and zombie), entries in the temporary folder, and
// cells/s; then whether each stayed flat.
//
// run_matrix keeps every cell's result until it returns (by design: the
// reports need them all; about 24 KB a cell here, mostly device logs), so
// the soak hands it --block cells at a time, in the same process, with the
// same target and runner, and drops their results: figures taken between
// blocks, with no cell under way, measure what is left behind rather than
// results kept on purpose. Small blocks also keep what malloc holds back
// after freeing a block's results small. The first block's results are
// weighed to say what a single run_matrix over every cell would keep.
//
//   shakedown-bench-soak [--cells N] [--every N] [--block N] [-j N] [--fresh-instances] [--out DIR]
//                        [--pki-cache DIR] [--scenario FILE]...
//
// Exit status: 0 every figure flat and every cell as expected; 1 a figure
// not flat; 2 a cell not as expected, an infrastructure error, or a
// simulator that did not exit cleanly at the end.

#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "interrupts.h"
#include "matrix.h"
#include "runner.h"
#include "scenario_loader.h"
#include "target_registry.h"

#include "bench_figures.h"

namespace {

using namespace shakedown;
namespace fs = std::filesystem;
using bench::Clock;

// Ctrl-C or SIGTERM: the cells under way give up and the figures so far are
// printed; a second one ends the process at once.
const cli::Interrupts* interrupts = nullptr;
bool stopping() {
  return interrupts->interrupted();
}

// Passes, and failures of different kinds: a suite mismatch (field-fixed
// passes), an expired certificate, a server that resets after the
// ClientHello and one that answers it with an alert, a version mismatch
// (3.6's default build passes), and the suite mismatch again against
// `openssl s_server` (a child process and a temporary folder per cell). None
// waits out a timeout or a stall.
constexpr const char* kDefaultScenarios[] = {
    "field/01-suite-mismatch.yaml",
    "certificates/07-expired-certificate.yaml",
    "misbehaving-servers/01-reset-after-client-hello.yaml",
    "misbehaving-servers/06-internal-error-after-client-hello.yaml",
    "versions/01-tls13-only-server.yaml",
    "cross-check/01-field-suite-mismatch-s_server.yaml",
};

// What a leak would grow, read from /proc and the allocator.
struct Figures {
  size_t cells = 0;
  double seconds = 0;
  long fds = 0;
  long rss_kb = 0;
  long heap_kb = 0;       // malloc'd and not freed (mallinfo2's uordblks + hblkhd)
  long heap_held_kb = 0;  // what malloc holds from the system, in use or free (arena + hblkhd)
  long threads = 0;
  long children = 0;  // alive
  long zombies = 0;   // exited, not reaped
  long temp_entries = 0;
};

long count_entries(const fs::path& dir, bool recursive) {
  std::error_code ec;
  long n = 0;
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      ++n;
    }
  } else {
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) ++n;
  }
  return n;
}

long status_field_kb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(key + ":")) return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
  }
  return -1;
}

// Children of this process, from each /proc/PID/stat: "PID (comm) STATE PPID ...".
void count_children(Figures& f) {
  const long self = ::getpid();
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(it->path() / "stat");
    std::string text;
    if (!std::getline(stat, text)) continue;  // it exited meanwhile
    const size_t close = text.rfind(')');     // comm may hold spaces and parentheses
    if (close == std::string::npos || close + 4 >= text.size()) continue;
    const char state = text[close + 2];
    if (std::strtol(text.c_str() + close + 4, nullptr, 10) != self) continue;
    ++(state == 'Z' ? f.zombies : f.children);
  }
}

Figures measure(size_t cells, Clock::time_point start, const fs::path& temp_dir) {
  Figures f{.cells = cells, .seconds = bench::ms_since(start) / 1e3};
  f.fds = count_entries("/proc/self/fd", false) - 1;  // less the iterator's own descriptor
  const struct mallinfo2 heap = ::mallinfo2();
  f.heap_kb = static_cast<long>((heap.uordblks + heap.hblkhd) / 1024);  // mmap'd blocks are always in use
  f.heap_held_kb = static_cast<long>((heap.arena + heap.hblkhd) / 1024);
  // Each block's results (about 24 MB per 1,000 cells) are freed before
  // this, but malloc keeps freed memory for reuse; returned to the system,
  // what stays resident is what is still in use, plus fragmentation.
  ::malloc_trim(0);
  f.rss_kb = status_field_kb("VmRSS");
  f.threads = count_entries("/proc/self/task", false);
  count_children(f);
  f.temp_entries = count_entries(temp_dir, true);
  return f;
}

void print_header() {
  fmt::print("{:>7} {:>9} {:>8} {:>5} {:>8} {:>8} {:>8} {:>7} {:>8} {:>7} {:>5}\n", "cells", "seconds", "cells/s",
             "fds", "rss MB", "heap MB", "held MB", "threads", "children", "zombies", "temp");
}

// cells/s over the cells since `previous`.
void print_row(const Figures& f, const Figures* previous) {
  const double rate = previous != nullptr && f.seconds > previous->seconds
                          ? static_cast<double>(f.cells - previous->cells) / (f.seconds - previous->seconds)
                          : 0;
  const auto mb = [](long kb) { return static_cast<double>(kb) / 1024; };
  fmt::print("{:>7} {:>9.1f} {:>8} {:>5} {:>8.1f} {:>8.1f} {:>8.1f} {:>7} {:>8} {:>7} {:>5}\n", f.cells, f.seconds,
             previous != nullptr ? fmt::format("{:.1f}", rate) : "-", f.fds, mb(f.rss_kb), mb(f.heap_kb),
             mb(f.heap_held_kb), f.threads, f.children, f.zombies, f.temp_entries);
  std::fflush(stdout);
}

// Flat: at the end, no more than a bound derived from the settled figures,
// those after the first --every cells (when caches have filled). The
// counts get no slack, since no cell is under way when they are taken; only
// the pool of simulators may still grow, to its most: one per build per cell
// run at once, each holding 3 descriptors (its stdout and stderr pipes and
// its device link).
constexpr long kFdsPerInstance = 3;
constexpr long kRssSlackKb = 8 * 1024;
constexpr long kHeapSlackKb = 1024;

struct Baseline {
  const Figures& settled;  // after the first --every cells
  const Figures& end;
  long pool_most;  // jobs x builds in the cycle
};

struct FlatRule {
  const char* name;
  long Figures::*figure;
  const char* bound_text;  // how the bound is derived, for the output
  long (*bound)(const Baseline&);
};

constexpr FlatRule kFlatRules[] = {
    {"open file descriptors", &Figures::fds, "settled, +3 for each simulator the pool added since",
     [](const Baseline& b) {
       return b.settled.fds + kFdsPerInstance * std::max(0L, b.end.children - b.settled.children);
     }},
    {"resident memory (kB)", &Figures::rss_kb, "settled + 8 MB",
     [](const Baseline& b) { return b.settled.rss_kb + kRssSlackKb; }},
    {"heap in use (kB)", &Figures::heap_kb, "settled + 1 MB",
     [](const Baseline& b) { return b.settled.heap_kb + kHeapSlackKb; }},
    {"threads", &Figures::threads, "settled", [](const Baseline& b) { return b.settled.threads; }},
    {"child processes alive", &Figures::children, "the pool's most, jobs x builds",
     [](const Baseline& b) { return std::max(b.settled.children, b.pool_most); }},
    {"zombie children", &Figures::zombies, "none", [](const Baseline&) { return 0L; }},
    {"temporary folder entries", &Figures::temp_entries, "settled",
     [](const Baseline& b) { return b.settled.temp_entries; }},
};

// Prints each figure's verdict; true when every one stayed flat and the
// target's shut-down released everything the run held between cells.
bool judge_flat(const std::vector<Figures>& samples, const Figures& after_shutdown, long pool_most) {
  const Figures& first = samples.front();
  const Figures& end = samples.back();
  const Figures& settled = samples.size() > 2 ? samples[1] : samples.back();
  const Baseline baseline{settled, end, pool_most};
  fmt::print(
      "\nflat means: at the end, no more than a bound derived from the settled figures, those after the first {} "
      "cells\n",
      settled.cells);
  bool flat = true;
  for (const auto& rule : kFlatRules) {
    const long at_end = end.*rule.figure, bound = rule.bound(baseline);
    const bool ok = at_end <= bound;
    flat = flat && ok;
    fmt::print("  {:<26} start {}, after {} cells {}, end {}; bound {} ({}): {}\n", rule.name, first.*rule.figure,
               settled.cells, settled.*rule.figure, at_end, bound, rule.bound_text, ok ? "flat" : "GROWS");
  }
  const bool released = after_shutdown.children == 0 && after_shutdown.zombies == 0 &&
                        after_shutdown.temp_entries == 0 && after_shutdown.fds <= first.fds;
  fmt::print("  after shut-down: {} children, {} zombies, {} temporary entries, {} fds (start {}): {}\n",
             after_shutdown.children, after_shutdown.zombies, after_shutdown.temp_entries, after_shutdown.fds,
             first.fds, released ? "all released" : "LEFT BEHIND");
  return flat && released;
}

// What one block's results weigh (device logs and the run's words), for what
// a single run_matrix over every cell would keep.
size_t result_bytes(const std::vector<runner::CellResult>& results) {
  size_t bytes = 0;
  for (const auto& r : results) {
    bytes += sizeof r + r.why.size() + r.report.result_name.size();
    for (const auto& line : r.device_log) bytes += sizeof line + line.size();
  }
  return bytes;
}

struct Tally {
  size_t as_expected = 0, unexpected = 0, infrastructure = 0;
  std::vector<std::string> first_failures;  // the first few cells not as expected
  size_t first_block_bytes = 0;
};

// Runs one block through run_matrix and counts its verdicts; returns how
// many cells ran. Their results are dropped on return.
size_t run_block(const runner::Runner& runner, const std::vector<runner::PlannedCell>& block, unsigned jobs,
                 Tally& tally) {
  const auto results = runner::run_matrix(runner, block, jobs, interrupts->stop_token());
  for (const auto& r : results) {
    tally.as_expected += r.verdict == runner::Verdict::kAsExpected;
    tally.unexpected += r.verdict == runner::Verdict::kUnexpected;
    tally.infrastructure += r.verdict == runner::Verdict::kInfrastructureError;
    if (r.verdict != runner::Verdict::kAsExpected && tally.first_failures.size() < 5) {
      tally.first_failures.push_back(
          fmt::format("{}/{}/{}: {}", r.scenario, r.cell.mbedtls_line, r.cell.profile, r.why));
    }
  }
  if (tally.first_block_bytes == 0) tally.first_block_bytes = result_bytes(results);
  return results.size();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Many cells in one process; prints what a leak would grow and whether it stayed flat"};
  size_t total = 20'000, every = 1'000, block = 100;
  unsigned jobs = 2;
  std::string scenarios_dir = std::string(SHAKEDOWN_SOURCE_DIR) + "/scenarios", out_dir;
  std::vector<std::string> scenario_files(std::begin(kDefaultScenarios), std::end(kDefaultScenarios));
  app.add_option("--cells", total, "Cells to run")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}))
      ->capture_default_str();
  app.add_option("--every", every, "Figures every N cells")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--block", block, "Cells handed to run_matrix at a time")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("-j,--jobs", jobs, "Cells at once")->check(CLI::Range(1u, 64u))->capture_default_str();
  app.add_option("--scenarios", scenarios_dir, "Where --scenario files are looked up")->capture_default_str();
  app.add_option(
      "--scenario", scenario_files,
      "A scenario file under --scenarios to cycle over (repeatable; default: six fast ones, passes and failures)");
  bool fresh_instances = false;
  app.add_flag("--fresh-instances", fresh_instances,
               "A new simulator process per cell, as `shakedown run --fresh-instances` starts");
  std::string pki_cache;
  app.add_option("--pki-cache", pki_cache, "PKI cache (default: the build's)");
  app.add_option("--out", out_dir, "Keep each cell's files under this folder, as `shakedown run --out` does");
  CLI11_PARSE(app, argc, argv);
  const cli::Interrupts watcher(nullptr);  // before any thread starts: they inherit its blocked signals
  interrupts = &watcher;

  // A temporary folder of the soak's own, so that only what this run leaves
  // behind is counted, not other programs' files in /tmp.
  std::string temp_pattern = (fs::temp_directory_path() / "shakedown-soak-XXXXXX").string();
  if (::mkdtemp(temp_pattern.data()) == nullptr) {
    fmt::print(stderr, "cannot create {}\n", temp_pattern);
    return 2;
  }
  const fs::path temp_dir = temp_pattern;
  ::setenv("TMPDIR", temp_dir.c_str(), 1);

  std::vector<scenario::Scenario> scenarios;
  try {
    for (const auto& file : scenario_files)
      scenarios.push_back(scenario::load_scenario(fs::path(scenarios_dir) / file));
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return 3;
  }
  const auto cycle = runner::plan(scenarios, {});
  fmt::print(
      "soak: {} cells on sim, -j {}, {} at a time through run_matrix, figures every {}; cycling over {} cells "
      "of {} scenarios:\n",
      total, jobs, block, every, cycle.size(), scenarios.size());
  for (const auto& c : cycle) {
    fmt::print("  {} (expect {})\n", c.id,
               c.cell.expect_on("sim").result == scenario::Expectation::Result::kPass ? "pass" : "fail");
  }
  fmt::print("temporary folder (TMPDIR) of its own: {}\n\n", temp_dir.string());

  const auto start = Clock::now();
  print_header();
  std::vector<Figures> samples{measure(0, start, temp_dir)};
  print_row(samples.back(), nullptr);

  Tally tally;
  std::vector<std::string> target_problems;
  {
    auto target = targets::find_target("sim")->make({.fresh_instances = fresh_instances, .jobs = jobs});
    const runner::Runner runner({.pki_cache = pki_cache.empty() ? servers::default_pki_cache() : fs::path(pki_cache),
                                 .artifacts_dir = out_dir.empty() ? fs::path() : fs::path(out_dir) / "cells"},
                                *target);
    for (size_t done = 0; done < total && !stopping();) {
      const size_t figures_at = std::min(total, done + every);
      while (done < figures_at && !stopping()) {
        std::vector<runner::PlannedCell> cells;
        for (size_t i = done; i < std::min(figures_at, done + block); ++i) cells.push_back(cycle[i % cycle.size()]);
        done += run_block(runner, cells, jobs, tally);  // its results are gone before the figures are taken
      }
      samples.push_back(measure(done, start, temp_dir));
      print_row(samples.back(), &samples[samples.size() - 2]);
    }
    target_problems = target->shut_down();
  }
  const Figures after_shutdown = measure(samples.back().cells, start, temp_dir);
  fmt::print("after the target's shut-down:\n");
  print_row(after_shutdown, nullptr);

  const Figures& end = samples.back();
  fmt::print("\n{} cells in {:.0f} s: {:.1f} cells/s; {} as expected, {} unexpected, {} infrastructure errors{}\n",
             end.cells, end.seconds, static_cast<double>(end.cells) / end.seconds, tally.as_expected, tally.unexpected,
             tally.infrastructure, stopping() ? " (interrupted)" : "");
  for (const auto& f : tally.first_failures) fmt::print("  {}\n", f);
  for (const auto& p : target_problems) fmt::print("  target: {}\n", p);
  const double block_mb = static_cast<double>(tally.first_block_bytes) / 1e6;
  fmt::print(
      "run_matrix keeps each result until it returns: {} cells' results held {:.1f} MB, so one run_matrix over all {} "
      "would hold about {:.0f} MB by design; this soak hands it {} at a time and drops them\n",
      std::min(block, total), block_mb, total,
      block_mb * static_cast<double>(total) / static_cast<double>(std::min(block, total)), block);

  std::set<std::pair<std::string, std::string>> builds;
  for (const auto& c : cycle) builds.emplace(c.cell.mbedtls_line, c.cell.profile);
  const bool flat = judge_flat(samples, after_shutdown, static_cast<long>(jobs * builds.size()));
  fmt::print("  cells/s is printed, not judged: it follows whatever else the machine runs\n");

  std::error_code ignored;
  if (after_shutdown.temp_entries == 0) fs::remove_all(temp_dir, ignored);
  if (!flat) return 1;
  return tally.unexpected + tally.infrastructure > 0 || !target_problems.empty() ? 2 : 0;
}
