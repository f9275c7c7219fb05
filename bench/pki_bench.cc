// Generating a scenario suite's certificate chains: cold (empty cache: keys
// and certificates made) and warm (everything loaded from the cache).
// RSA-8192 is timed on its own: one such key takes longer than the rest.

#include <fmt/core.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include "pki.h"
#include "scenario_loader.h"

namespace fs = std::filesystem;
using namespace shakedown;
using servers::CertSpec;
using servers::ChainSpec;

#include "bench_figures.h"

namespace {

using bench::Clock;
using bench::ms_since;

// CPU time of every thread of this process: what the work costs on a machine others also use.
double cpu_ms() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

CertSpec cert(const std::string& key, const std::string& hash = "sha256") {
  return {*servers::KeySpec::parse(key), hash, 0};
}

// One broken-server shape per entry, over the given root, middle and leaf keys.
using Shape = std::function<std::vector<CertSpec>(const std::string&, const std::string&, const std::string&)>;

std::vector<Shape> shapes() {
  return {
      [](auto& r, auto&, auto& l) {
        return std::vector{cert(r), cert(l)};
      },
      [](auto& r, auto& m, auto& l) {
        return std::vector{cert(r), cert(m), cert(l)};
      },
      [](auto& r, auto& m, auto& l) {
        return std::vector{cert(r), cert(m), cert(m), cert(l)};
      },
      [](auto& r, auto&, auto& l) {  // expired leaf
        auto leaf = cert(l);
        leaf.not_before_days = -30;
        leaf.not_after_days = -1;
        return std::vector{cert(r), leaf};
      },
      [](auto& r, auto& m, auto& l) {  // leaf not yet valid, under an intermediate
        auto leaf = cert(l);
        leaf.not_before_days = 1;
        leaf.not_after_days = 30;
        return std::vector{cert(r), cert(m), leaf};
      },
      [](auto& r, auto& m, auto& l) {  // expired intermediate
        auto middle = cert(m);
        middle.not_before_days = -400;
        middle.not_after_days = -35;
        return std::vector{cert(r), middle, cert(l)};
      },
      [](auto& r, auto&, auto& l) {
        return std::vector{cert(r, "sha1"), cert(l, "sha384")};
      },
      [](auto& r, auto& m, auto& l) {  // path length exceeded
        auto root = cert(r);
        root.path_length = 0;
        return std::vector{root, cert(m), cert(m), cert(l)};
      },
      [](auto& r, auto& m, auto& l) {  // leaf signed by an unrelated root
        auto other = cert(m);
        other.issuer = 1;
        auto leaf = cert(l);
        leaf.issuer = 1;
        return std::vector{cert(r), other, leaf};
      },
      [](auto& r, auto& m, auto& l) {  // cross-signed root
        auto fresh = cert(m);
        fresh.issuer = 1;
        auto cross = cert(m);
        cross.same_key_as = 1;
        cross.issuer = 0;
        auto leaf = cert(l);
        leaf.issuer = 1;
        return std::vector{cert(r), fresh, cross, leaf};
      },
      [](auto& r, auto& m, auto& l) {  // a chain too big for small record buffers
        auto leaf = cert(l);
        leaf.extra_sans = 40;
        return std::vector{cert(r), cert(m), leaf};
      },
      [](auto& r, auto&, auto& l) {  // wrong name, IP address
        auto leaf = cert(l);
        leaf.common_name = "elsewhere.example";
        leaf.sans = {"DNS:elsewhere.example", "IP:192.0.2.10"};
        return std::vector{cert(r), leaf};
      },
  };
}

// `count` chains cycling through shapes and key choices, each with its own hostname.
std::vector<ChainSpec> suite(size_t count) {
  const std::vector<std::string> keys = {"rsa-2048", "rsa-4096", "ec-p256", "ec-p384", "ec-p521", "ed25519"};
  const auto all = shapes();
  std::vector<ChainSpec> out;
  for (size_t i = 0; i < count; ++i) {
    const std::string& root = keys[i % keys.size()];
    const std::string& middle = keys[(i / 2 + 1) % keys.size()];
    const std::string& leaf = keys[(i / 3 + 2) % keys.size()];
    out.push_back({all[i % all.size()](root, middle, leaf), fmt::format("s{}.shakedown.test", i)});
  }
  return out;
}

std::vector<ChainSpec> rsa8192_suite() {
  return {{{cert("rsa-8192"), cert("rsa-2048")}, "big-root.shakedown.test"},
          {{cert("ec-p256"), cert("rsa-8192")}, "big-leaf.shakedown.test"}};
}

struct Run {
  double ms = 0, cpu = 0;
  uint64_t keys = 0, chains = 0;
};

Run issue(const std::vector<ChainSpec>& specs, const fs::path& cache, bool one_by_one) {
  const auto before = servers::pki_counters();
  const auto start = Clock::now();
  const double cpu_start = cpu_ms();
  if (one_by_one) {
    for (const auto& spec : specs) servers::issue_chain(spec, cache);
  } else {
    servers::issue_chains(specs, cache);
  }
  Run run{ms_since(start), cpu_ms() - cpu_start};
  run.keys = servers::pki_counters().keys_generated - before.keys_generated;
  run.chains = servers::pki_counters().chains_generated - before.chains_generated;
  return run;
}

// Median of `rounds` warm runs; `fresh` decodes keys again as a new process would.
Run warm(const std::vector<ChainSpec>& specs, const fs::path& cache, bool one_by_one, bool fresh, int rounds) {
  std::vector<Run> runs;
  for (int r = 0; r < rounds; ++r) {
    if (fresh) servers::forget_parsed_keys();
    runs.push_back(issue(specs, cache, one_by_one));
  }
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.ms < b.ms; });
  Run median = runs[runs.size() / 2];
  for (const auto& r : runs) median.chains += r.chains;  // any regeneration shows
  return median;
}

void print(const std::string& what, const Run& run) {
  fmt::print("{:<48} {:>9.1f} ms  (cpu {:>8.1f} ms)  {} keys, {} chains generated\n", what, run.ms, run.cpu, run.keys,
             run.chains);
}

// What OpenSSL alone takes to parse these certificates: the floor under a warm run.
double parse_floor_ms(const std::vector<servers::Chain>& chains, int rounds) {
  std::vector<double> times;
  for (int r = 0; r < rounds; ++r) {
    const auto start = Clock::now();
    for (const auto& chain : chains) {
      for (const auto& c : chain.certs) {
        servers::BioPtr bio(BIO_new_mem_buf(c.pem.data(), static_cast<int>(c.pem.size())));
        servers::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
      }
    }
    times.push_back(ms_since(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// The warm figures, in this process, which must be new: the first run pays
// what any new process pays (OpenSSL's first use, every key decoded).
int report_warm(const std::vector<ChainSpec>& specs, const fs::path& cache, int rounds) {
  const Run first = issue(specs, cache, false);
  print("  warm, first run in this new process", first);
  const Run fresh = warm(specs, cache, false, true, rounds);
  print(fmt::format("  warm, median of {} (keys decoded again)", rounds), fresh);
  print(fmt::format("  warm, median of {}, issue_chain one by one", rounds), warm(specs, cache, true, true, rounds));
  print(fmt::format("  warm, median of {}, keys already decoded", rounds), warm(specs, cache, false, false, rounds));
  fmt::print("{:<48} {:>9.1f} ms\n", "  (OpenSSL parsing the same certificates alone)",
             parse_floor_ms(servers::issue_chains(specs, cache), rounds));
  return first.chains + fresh.chains == 0 ? 0 : 1;
}

// Runs this program again for the warm figures, so nothing the cold run left
// in memory helps or hinders them.
int warm_in_new_process(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Certificate chains for a scenario suite: cold and warm cache"};
  size_t chains = 60;
  int rounds = 5;
  bool one_by_one = false, skip_rsa8192 = false, keep = false, warm_only = false;
  std::string cache_arg, suite_name = "main", scenarios_dir;
  app.add_option("--chains", chains, "Chains in the suite")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--rounds", rounds, "Warm runs; the median is printed")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_flag("--one-by-one", one_by_one, "Cold run with issue_chain per chain instead of issue_chains");
  app.add_flag("--skip-rsa8192", skip_rsa8192, "Leave out the RSA-8192 chains");
  app.add_option("--cache-dir", cache_arg, "Cache to use (default: a new temporary one, removed afterwards)");
  app.add_flag("--keep", keep, "Keep the temporary cache");
  app.add_flag("--warm-only", warm_only, "Only the warm figures, from --cache-dir (how the bench runs itself)");
  app.add_option("--scenarios", scenarios_dir,
                 "Take the chains from the scenario files under this folder instead of a synthetic suite");
  app.add_option("--suite", suite_name, "With --warm-only: main or rsa8192")->check(CLI::IsMember({"main", "rsa8192"}));
  CLI11_PARSE(app, argc, argv);

  std::vector<ChainSpec> specs;
  if (scenarios_dir.empty()) {
    specs = suite(chains);
  } else {
    try {
      for (const auto& s : scenario::load_scenarios(scenarios_dir)) {
        for (auto& spec : s.chain_specs()) specs.push_back(std::move(spec));
      }
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}\n", e.what());
      return 3;
    }
  }
  const auto big = rsa8192_suite();
  if (warm_only) {
    try {
      return report_warm(suite_name == "main" ? specs : big, cache_arg, rounds);
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}\n", e.what());
      return 1;
    }
  }

  fs::path cache = cache_arg;
  const bool temporary = cache_arg.empty();
  if (temporary) {
    std::string name = (fs::temp_directory_path() / "shakedown-pki-bench-XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr) {
      fmt::print(stderr, "cannot make a temporary directory\n");
      return 1;
    }
    cache = name;
  }
  size_t certs = 0;
  for (const auto& s : specs) certs += s.certs.size();
  fmt::print("PKI bench: {} chains, {} certificates ({}), {} cores\n", specs.size(), certs,
             scenarios_dir.empty() ? "synthetic: rsa-2048, rsa-4096, ec-p256/p384/p521, ed25519"
                                   : "the scenarios under " + scenarios_dir,
             std::thread::hardware_concurrency());
  fmt::print("cache: {}{}\n\n", cache.string(), temporary ? " (new)" : "");

  auto warm_args = [&](const char* which) {
    std::vector<std::string> args{
        argv[0], "--warm-only", "--cache-dir",          cache.string(), "--suite",
        which,   "--rounds",    std::to_string(rounds), "--chains",     std::to_string(chains)};
    if (!scenarios_dir.empty()) args.insert(args.end(), {"--scenarios", scenarios_dir});
    return args;
  };
  int status = 0;
  try {
    print(one_by_one ? "cold (issue_chain one by one)" : "cold (issue_chains)", issue(specs, cache, one_by_one));
    status |= warm_in_new_process(warm_args("main"));
    if (!skip_rsa8192) {
      fmt::print("\n");
      print(fmt::format("rsa-8192 cold ({} chains)", big.size()), issue(big, cache, one_by_one));
      status |= warm_in_new_process(warm_args("rsa8192"));
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    status = 1;
  }
  if (temporary && !keep) fs::remove_all(cache);
  return status;
}
