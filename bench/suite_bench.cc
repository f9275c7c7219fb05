// The whole scenario suite on the simulator, timed per case (one scenario
// cell: a client/server pair), against a baseline run the way Mbed TLS's
// ssl-opt.sh runs a case (do_run_test_once in tests/ssl-opt.sh of 3.6):
//   1. a server process is started;
//   2. the harness polls until it listens: lsof, then a 0.1 s sleep, again
//      (wait_server_start);
//   3. a client process runs the handshake while a watchdog process sleeps
//      beside it, killed once the client is done (wait_client_done);
//   4. a 0.05 s pause, then the server is killed and reaped.
// The figure without step 4's pause is printed too. Both run in this
// process, one after the other, on the same scenarios, builds and warm PKI
// cache.
//
//   shakedown-bench-suite [--scenarios DIR] [--rounds N] [--baseline-rounds N] [-j N]

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "child.h"
#include "matrix.h"
#include "runner.h"
#include "scenario_loader.h"
#include "server_setup.h"
#include "sim_builds.h"
#include "sim_target.h"
#include "subprocess.h"

#include "bench_figures.h"
#include "scenario_suite.h"

namespace {

using namespace shakedown;
using namespace std::chrono_literals;
using bench::Clock;
using bench::median;
using bench::ms_since;

// ssl-opt.sh's check: lsof for a TCP socket of that process on that port.
bool lsof_says_listening(const std::string& lsof, uint16_t port, int pid) {
  auto r = process::run_process(
      {lsof, "-a", "-n", "-b", "-i", fmt::format("TCP:{}", port), "-p", std::to_string(pid)}, 5s);
  return r.exit_code == 0;
}

// Without lsof: /proc/net/tcp, what lsof reads, without starting a process
// (cheaper than ssl-opt.sh's check).
bool proc_says_listening(uint16_t port) {
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  const std::string local = fmt::format("0100007F:{:04X}", port);
  while (std::getline(tcp, line)) {
    if (line.find(local) != std::string::npos && line.find(" 0A ") != std::string::npos) return true;
  }
  return false;
}

struct BaselineCase {
  double ms = 0;
  double pause_ms = 0;  // the part of ms that is step 4's pause
  std::optional<std::string> error;
};

constexpr auto kPauseBeforeKill = 50ms;  // ssl-opt.sh: `sleep 0.05` after wait_client_done

// One case the ssl-opt.sh way: server process, wait for its port, client
// process, kill the server.
BaselineCase baseline_case(const std::filesystem::path& server_exe, const std::filesystem::path& pki_cache,
                           const scenario::Scenario& s, const scenario::Cell& cell, targets::SimTarget& client,
                           const std::string& lsof) {
  BaselineCase out;
  const auto start = Clock::now();
  process::Child server({server_exe.string(), s.file.string(), "--pki-cache", pki_cache.string()});
  uint16_t port = 0;
  const auto give_up = Clock::now() + 10s;
  for (;;) {
    if (port == 0) {
      if (auto line = server.read_line(0ms); line && line->starts_with("listening on 127.0.0.1:")) {
        port = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
      }
    }
    if (port != 0 && (!lsof.empty() ? lsof_says_listening(lsof, port, server.pid()) : proc_says_listening(port))) break;
    if (Clock::now() > give_up) {
      out.error = "server did not start listening";
      return out;
    }
    std::this_thread::sleep_for(100ms);
  }
  // The client reads its trust anchor from the cache, as ssl_client2 reads its CA file.
  scenario::ChainStore store(pki_cache);
  const auto setup = scenario::set_up_server(s, store);
  // The watchdog: ssl-opt.sh starts `( sleep $CLI_DELAY; ...; kill $CLI_PID ) &`
  // beside each client and kills it when the client is done.
  process::Child watchdog({process::find_in_path("sleep").string(), "20"});
  auto outcome = client.handshake(runner::handshake_request(s, cell, port, setup.chain()));
  watchdog.finish(0ms);
  const auto pause_start = Clock::now();
  std::this_thread::sleep_for(kPauseBeforeKill);
  out.pause_ms = ms_since(pause_start);
  server.finish(0ms);  // kill and reap, as ssl-opt.sh kills its server
  out.ms = ms_since(start);
  out.error = outcome.infrastructure_error;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The scenario suite on the simulator, against a process-per-case baseline"};
  std::string scenarios_dir = std::string(SHAKEDOWN_SOURCE_DIR) + "/scenarios";
  std::string pki_cache;
  int rounds = 5, baseline_rounds = 1;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  app.add_option("--scenarios", scenarios_dir, "Scenario folder")->capture_default_str();
  app.add_option("--rounds", rounds, "Rounds of the suite, one case at a time; medians over them")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  app.add_option("--baseline-rounds", baseline_rounds, "Rounds of the baseline")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  app.add_option("-j,--jobs", jobs, "Threads for the whole-suite wall time")->capture_default_str();
  app.add_option("--pki-cache", pki_cache, "PKI cache (default: the build's)");
  CLI11_PARSE(app, argc, argv);

  const auto loaded = bench::load_suite(scenarios_dir);
  if (!loaded) return 3;
  const std::vector<scenario::Scenario>& scenarios = *loaded;
  const std::filesystem::path cache =
      pki_cache.empty() ? servers::default_pki_cache() : std::filesystem::path(pki_cache);
  const auto cells = runner::plan(scenarios, {});
  const std::string lsof = process::find_in_path("lsof").string();
  const auto warm_start = Clock::now();
  scenario::ChainStore warm(cache);
  for (const auto& s : scenarios) scenario::set_up_server(s, warm);
  fmt::print("suite: {} scenarios, {} cases (scenario x Mbed TLS line x profile), {} cores\n", scenarios.size(),
             cells.size(), std::thread::hardware_concurrency());
  fmt::print("PKI cache {} warmed in {:.0f} ms\n\n", cache.string(), ms_since(warm_start));

  const auto build_dir = sim::default_sim_build_dir();
  const std::stop_token stop;  // never requested
  std::map<std::string, std::vector<double>> ours;  // case id -> ms per round
  int errors = 0;
  {
    targets::SimTarget target(build_dir);
    runner::Runner runner({.pki_cache = cache}, target);
    for (int round = 0; round < rounds; ++round) {
      for (const auto& r : runner::run_matrix(runner, cells, 1, stop)) {
        ours[runner::cell_id(
                 *std::find_if(scenarios.begin(), scenarios.end(), [&](const auto& s) { return s.name == r.scenario; }),
                 r.cell)]
            .push_back(r.seconds * 1e3);
        errors += r.verdict == runner::Verdict::kInfrastructureError;
      }
    }
  }
  double suite_wall = 0;
  {
    targets::SimTarget target(build_dir);
    runner::Runner runner({.pki_cache = cache}, target);
    const auto start = Clock::now();
    runner::run_matrix(runner, cells, jobs, stop);
    suite_wall = ms_since(start);
  }

  std::map<std::string, std::vector<double>> baseline, baseline_unpaused;
  int baseline_errors = 0;
  if (baseline_rounds > 0) {
    targets::SimTarget client(build_dir, {.reuse_instances = false});
    fmt::print(
        "baseline: a server and a client process per case; the port is polled with {}, sleeping 0.1 s between "
        "checks; a watchdog process beside the client; 0.05 s pause, then the server is killed\n\n",
        !lsof.empty() ? "lsof, as ssl-opt.sh does" : "/proc/net/tcp (lsof is not installed)");
    const auto server_exe = sim::default_sim_build_dir().parent_path().parent_path() / "bin" / "shakedown-server";
    for (int round = 0; round < baseline_rounds; ++round) {
      for (const auto& c : cells) {
        auto b = baseline_case(server_exe, cache, *c.scenario, c.cell, client, lsof);
        if (b.error) {
          ++baseline_errors;
          fmt::print(stderr, "baseline {}: {}\n", c.id, *b.error);
          continue;
        }
        baseline[c.id].push_back(b.ms);
        baseline_unpaused[c.id].push_back(b.ms - b.pause_ms);
      }
    }
  }

  // Per scenario: the median of its cases' medians.
  fmt::print("{:<52} {:>5} {:>10} {:>12} {:>7}\n", "scenario", "cases", "ours ms", "baseline ms", "ratio");
  std::vector<double> all_ours, all_baseline, all_unpaused;
  for (const auto& s : scenarios) {
    std::vector<double> o, b;
    for (const auto& c : cells) {
      if (c.scenario != &s) continue;
      o.push_back(median(ours[c.id]));
      if (!baseline[c.id].empty()) {
        b.push_back(median(baseline[c.id]));
        all_unpaused.push_back(median(baseline_unpaused[c.id]));
      }
    }
    if (o.empty()) continue;
    all_ours.insert(all_ours.end(), o.begin(), o.end());
    all_baseline.insert(all_baseline.end(), b.begin(), b.end());
    const double mo = median(o), mb = median(b);
    fmt::print("{:<52} {:>5} {:>10.1f} {:>12.1f} {:>7}\n", s.name, o.size(), mo, mb,
               b.empty() ? "-" : fmt::format("{:.1f}x", mb / mo));
  }
  const double mo = median(all_ours), mb = median(all_baseline);
  fmt::print("\nper case, median over {} cases: ours {:.1f} ms (median of {} rounds, one case at a time)", cells.size(),
             mo, rounds);
  if (!all_baseline.empty()) {
    const double mu = median(all_unpaused);
    fmt::print("; baseline {:.1f} ms; ratio {:.1f}x\n", mb, mb / mo);
    fmt::print("baseline without ssl-opt.sh's 0.05 s pause before the kill: {:.1f} ms; ratio {:.1f}x", mu, mu / mo);
  }
  fmt::print("\nwhole suite, -j {}: {:.0f} ms wall ({:.1f} ms per case)\n", jobs, suite_wall,
             suite_wall / static_cast<double>(cells.size()));
  if (errors + baseline_errors > 0) {
    fmt::print("infrastructure errors: {} ours, {} baseline\n", errors, baseline_errors);
    return 2;
  }
  return 0;
}
