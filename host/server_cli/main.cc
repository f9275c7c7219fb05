// shakedown-server: stands up a scenario's test server on 127.0.0.1 for
// reproducing by hand, against a board or any client, and logs what each
// connection did until SIGINT or SIGTERM.
//
//   shakedown-server scenarios/field/01-suite-mismatch.yaml
//   -> listening on 127.0.0.1:41234
//      trust anchor (give it to the client): /root/.cache/.../cert-0.pem

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>

#include "scenario_loader.h"
#include "server_setup.h"
#include "shakedown/tls/alert.h"
#include "shakedown/tls/cipher_suite.h"
#include "test_server.h"

namespace {

using namespace shakedown;

std::atomic<bool> stopping{false};
extern "C" void on_signal(int) {
  stopping = true;
}

void print_capture(size_t n, const servers::ConnectionCapture& c) {
  fmt::print("connection {}: {}", n, servers::connection_end_name(c.end));
  if (!c.verdict.empty()) fmt::print(" ({})", c.verdict);
  if (!c.negotiated_suite.empty()) fmt::print(", {} {}", c.negotiated_version, c.negotiated_suite);
  fmt::print("\n");
  if (c.client_hello) {
    std::vector<std::string> suites;
    for (auto id : c.client_hello->cipher_suites) {
      const tls::CipherSuite* suite = tls::cipher_suite(id);
      suites.push_back(suite == nullptr ? fmt::format("{:04x}", id)
                                        : fmt::format("{:04x} ({})", id, suite->openssl_name));
    }
    fmt::print("  ClientHello: suites {}; SNI '{}'\n", fmt::join(suites, ", "), c.client_hello->server_name);
  }
  if (!c.behaviour.empty()) fmt::print("  server: {}\n", c.behaviour);
  if (!c.pcap_path.empty()) fmt::print("  capture: {} (keys: {})\n", c.pcap_path, c.key_log_path);
  for (const auto& r : c.records_sent) {
    fmt::print("  sent record type {} of {} bytes{}\n", r.content_type, r.length,
               r.handshake_type >= 0 ? fmt::format(" ({})", tls::handshake_type_name(r.handshake_type)) : "");
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shakedown-server: a scenario's scripted OpenSSL test server on 127.0.0.1"};
  std::string path, pki_cache, capture_dir;
  app.add_option("scenario", path, "The scenario file whose server to run")->required()->check(CLI::ExistingFile);
  app.add_option("--pki-cache", pki_cache, "Where generated certificate chains are kept");
  app.add_option("--capture-dir", capture_dir,
                 "Keep each connection's pcap and key log here (open them with wireshark -r X.pcap -o "
                 "tls.keylog_file:X.keys)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 3;
  }
  try {
    scenario::Scenario s = scenario::load_scenario(path);
    if (s.peer == scenario::Scenario::Peer::kExternal) {
      fmt::print(stderr, "shakedown-server: {}: its server is external ({}:{}), not one to stand up here\n", path,
                 s.external.host, s.external.port);
      return 3;
    }
    const auto cache = pki_cache.empty() ? servers::default_pki_cache() : std::filesystem::path(pki_cache);
    scenario::ChainStore store(cache);
    const scenario::ServerSetup setup = scenario::set_up_server(s, store, capture_dir);
    const servers::Chain& chain = setup.chain();
    servers::TestServer server(setup.config);
    const uint16_t port = server.start();
    fmt::print("listening on 127.0.0.1:{}\ntrust anchor (give it to the client): {}\nhostname: {}\n", port,
               chain.root_pem_path().string(), s.client.hostname);
    std::fflush(stdout);

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    size_t shown = 0;
    while (!stopping) {
      if (!server.wait_for_captures(shown + 1, std::chrono::milliseconds(200))) continue;
      auto captures = server.captures();
      for (; shown < captures.size(); ++shown) print_capture(shown + 1, captures[shown]);
    }
    server.stop();
    fmt::print("stopped after {} connections\n", shown);
  } catch (const scenario::LoadError& e) {
    fmt::print(stderr, "shakedown-server: {}\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown-server: {}\n", e.what());
    return 2;
  }
  return 0;
}
