// How fast `shakedown explain` reads a long log, and in how much memory: a
// device log (a failing handshake, as our targets write it) repeated to
// --megabytes, written to a file, then read and explained as the CLI does.
//
//   shakedown-bench-explain [--log FILE] [--megabytes N] [--rounds N]

#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench_figures.h"
#include "explain.h"

namespace {

long max_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shakedown explain on a long log: time and memory"};
  std::string log = std::string(SHAKEDOWN_SOURCE_DIR) + "/tests/data/device-3.6-field-04.log";
  int megabytes = 100, rounds = 3;
  app.add_option("--log", log, "The log to repeat")->check(CLI::ExistingFile)->capture_default_str();
  app.add_option("--megabytes", megabytes, "Size of the log read")->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_option("--rounds", rounds, "Reads; the median is printed")->check(CLI::Range(1, 20))->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::ifstream seed_in(log, std::ios::binary);
  std::stringstream seed;
  seed << seed_in.rdbuf();
  const std::string text = seed.str();
  const auto path = std::filesystem::temp_directory_path() / fmt::format("shakedown-bench-explain-{}.log", getpid());
  size_t size = 0, copies = 0;
  {
    std::ofstream out(path, std::ios::binary);
    while (size < static_cast<size_t>(megabytes) << 20) {
      out << text;
      size += text.size();
      ++copies;
    }
  }
  const long rss_before = max_rss_kb();
  std::vector<double> ms;
  std::string first;
  size_t lines = 0;
  for (int i = 0; i < rounds; ++i) {
    const auto start = shakedown::bench::Clock::now();
    std::ifstream in(path, std::ios::binary);
    auto facts = shakedown::explain::read_log(in, path.string());
    auto explanation = shakedown::explain::explain(std::move(facts));
    ms.push_back(shakedown::bench::ms_since(start));
    first = explanation.findings.empty() ? "none"
                                         : shakedown::diagnosis::finding_name(explanation.findings.front().finding.id);
    lines = explanation.facts.attempts;
  }
  std::filesystem::remove(path);
  const double median = shakedown::bench::median(ms);
  fmt::print("log: {} ({} bytes) repeated {} times: {:.1f} MB, {} handshake attempts\n", log, text.size(), copies,
             static_cast<double>(size) / (1 << 20), lines);
  fmt::print("read and explained in {:.0f} ms (median of {}): {:.0f} MB/s; first finding {}\n", median, rounds,
             static_cast<double>(size) / (1 << 20) / (median / 1e3), first);
  fmt::print("peak memory: {:.1f} MB resident for the whole process ({:.1f} MB before reading)\n",
             static_cast<double>(max_rss_kb()) / 1024, static_cast<double>(rss_before) / 1024);
  return 0;
}
