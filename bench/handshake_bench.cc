// shakedown-bench-handshake: how fast the simulator's handshake is next to
// `openssl s_client` against the same server and suite, and how much Mbed
// TLS heap a handshake needs per line and record-buffer size. Prints
// figures; asserts nothing.
//
//   shakedown-bench-handshake [--handshakes N]
//
// Server: the in-process OpenSSL test server on 127.0.0.1, TLS 1.2 only,
// ECDHE-RSA-AES256-GCM-SHA384, RSA-2048 chain. Measured, medians over N:
//   s_client process   `openssl s_client ... </dev/null`, spawn to exit
//   sim process        a simulator process: spawn, sync, configure, upload
//                      the CA, handshake, exit (what `shakedown run` pays)
//   sim handshake      one handshake in a running simulator, request to report

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "sim_builds.h"
#include "sim_instance.h"
#include "subprocess.h"
#include "test_server.h"

namespace {

using namespace shakedown;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kSuite = "ECDHE-RSA-AES256-GCM-SHA384";
constexpr const char* kHostname = "bench.shakedown.test";

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// A running simulator build, configured for the bench server.
std::unique_ptr<targets::SimInstance> start_sim(const std::filesystem::path& exe, const std::vector<uint8_t>& ca) {
  auto sim = std::make_unique<targets::SimInstance>(exe);
  sim->device().configure({.hostname = kHostname, .debug_level = 0}, 5s);
  sim->device().upload(protocol::BlobKind::kCaChain, ca, 5s);
  return sim;
}

device::ClientReport handshake(targets::SimInstance& sim, uint16_t port) {
  std::vector<std::string> log;
  auto report = sim.device().connect("127.0.0.1", port, 10s, log);
  if (!report.passed()) throw std::runtime_error("bench handshake failed: " + report.result_name);
  sim.device().close_session(5s);
  return report;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Handshake speed of the simulator vs openssl s_client, and Mbed TLS heap per handshake"};
  int n = 25;
  std::string pki_cache;
  app.add_option("--handshakes", n, "Handshakes per measurement")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--pki-cache", pki_cache, "Where generated certificate chains are kept");
  CLI11_PARSE(app, argc, argv);

  const auto sim_dir = sim::default_sim_build_dir();
  const auto cache = pki_cache.empty() ? servers::default_pki_cache() : std::filesystem::path(pki_cache);
  servers::ChainSpec spec{
      {{*servers::KeySpec::parse("rsa-2048"), "sha256", 0}, {*servers::KeySpec::parse("rsa-2048"), "sha256", 0}},
      kHostname};
  servers::Chain chain = servers::issue_chain(spec, cache);
  servers::EndpointConfig config;
  config.chain = &chain;
  config.min_version = config.max_version = "tls1.2";
  config.ciphersuites = {kSuite};
  // PKCS#1 v1.5 signatures: Mbed TLS 3.6 with TLS 1.3 enabled offers RSA-PSS
  // but its TLS 1.2 code cannot verify a PSS ServerKeyExchange.
  config.signature_algorithms = "RSA+SHA256";
  servers::TestServer server(config);
  const uint16_t port = server.start();
  std::vector<uint8_t> ca(chain.root().pem.begin(), chain.root().pem.end());
  ca.push_back(0);

  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  fmt::print("server: OpenSSL test server on 127.0.0.1:{}, TLS 1.2, {}, RSA-2048 chain; {} handshakes each\n\n", port,
             kSuite, n);

  std::vector<double> s_client;
  for (int i = 0; i < n; ++i) {
    auto start = Clock::now();
    auto r = process::run_process(
        {"/usr/bin/openssl", "s_client", "-connect", fmt::format("127.0.0.1:{}", port), "-tls1_2", "-cipher", kSuite,
         "-servername", kHostname, "-CAfile", chain.root_pem_path().string(), "-verify_return_error", "-brief"},
        10s);
    s_client.push_back(ms_since(start));
    if (!r.exited_cleanly()) {
      fmt::print(stderr, "openssl s_client failed: {}\n{}", r.describe(), r.err);
      return 1;
    }
  }
  const double s_client_ms = median(s_client);
  fmt::print("{:<34} {:>10.2f} ms\n", "openssl s_client process", s_client_ms);

  struct Row {
    std::string line, profile;
    double process_ms = 0, handshake_ms = 0;
    uint32_t heap_peak = 0;
  };
  std::vector<Row> rows;
  for (const auto& build : sim::list_sim_builds(sim_dir)) {
    if (build.profile != "default-16k" && build.profile != "small-4k") continue;
    Row row{build.mbedtls_line, build.profile};
    std::vector<double> process_times, handshake_times;
    for (int i = 0; i < n; ++i) {
      auto start = Clock::now();
      auto sim = start_sim(build.executable, ca);
      auto report = handshake(*sim, port);
      if (auto exit = sim->stop(5s); exit.kind != targets::ExitKind::kCleanExit) {
        throw std::runtime_error("simulator " + targets::to_string(exit));
      }
      process_times.push_back(ms_since(start));
      row.heap_peak = std::max(row.heap_peak, report.heap_peak);
    }
    auto sim = start_sim(build.executable, ca);
    for (int i = 0; i < n; ++i) {
      auto start = Clock::now();
      handshake(*sim, port);
      handshake_times.push_back(ms_since(start));
    }
    row.process_ms = median(process_times);
    row.handshake_ms = median(handshake_times);
    rows.push_back(row);
  }

  fmt::print("\n{:<6} {:<12} {:>16} {:>10} {:>18} {:>16}\n", "mbedtls", "profile", "sim process ms", "vs s_client",
             "sim handshake ms", "peak heap bytes");
  for (const auto& r : rows) {
    fmt::print("{:<7} {:<12} {:>16.2f} {:>9.2f}x {:>18.2f} {:>16}\n", r.line, r.profile, r.process_ms,
               r.process_ms / s_client_ms, r.handshake_ms, r.heap_peak);
  }
  server.stop();
  return 0;
}
