// One simulator build: the client core over one (Mbed TLS line, profile),
// with POSIX backends of the seams. Reached through `shakedown-sim`.
//
//   <build> handshake --server 127.0.0.1:PORT --ca ca.pem [--hostname NAME]
//           [--time now|unset|EPOCH] [--read-timeout-ms N] [--debug N]
//   <build> facts
//
// Writes one JSON document to stdout; Mbed TLS's debug log goes to stderr.
// Exit status: 0 when it ran (whatever the handshake's outcome), 2 for bad
// arguments or unreadable files.

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include "getrandom_entropy.h"
#include "posix_clock.h"
#include "posix_transport.h"
#include "report_json.h"
#include "shakedown/core/client.h"
#include "stream_log_sink.h"

namespace {

using namespace shakedown;

constexpr int kUsageError = 2;

struct HandshakeArgs {
  std::string server;
  std::string ca_file;
  std::string hostname;
  std::string time = "now";
  uint32_t read_timeout_ms = 10'000;
  int debug = 3;
};

// "now", "unset", or seconds since the epoch.
std::optional<sim::PosixClock> clock_from(const std::string& text) {
  if (text == "now") return sim::PosixClock();
  if (text == "unset") return sim::PosixClock(sim::PosixClock::Unset{});
  int64_t epoch = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), epoch);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return sim::PosixClock(epoch);
}

int run_handshake(const HandshakeArgs& args) {
  auto colon = args.server.rfind(':');
  uint16_t port = 0;
  if (colon == std::string::npos ||
      std::from_chars(args.server.data() + colon + 1, args.server.data() + args.server.size(), port).ec !=
          std::errc() ||
      port == 0) {
    std::cerr << "shakedown-sim: --server: expected ADDRESS:PORT, got '" << args.server << "'\n";
    return kUsageError;
  }
  auto clock = clock_from(args.time);
  if (!clock) {
    std::cerr << "shakedown-sim: --time: expected now, unset or seconds since 1970, got '" << args.time << "'\n";
    return kUsageError;
  }
  std::ifstream in(args.ca_file, std::ios::binary);
  if (!in) {
    std::cerr << "shakedown-sim: --ca: cannot read " << args.ca_file << "\n";
    return kUsageError;
  }
  std::vector<uint8_t> ca((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // PEM must reach Mbed TLS NUL-terminated; DER must not carry a stray byte.
  if (ca.size() > 0 && ca[0] != 0x30) ca.push_back(0);

  sim::PosixTransport transport;
  sim::GetrandomEntropy entropy;
  sim::StreamLogSink log;
  core::Client client(transport, *clock, entropy, log);
  core::ClientOptions options{
      .server_address = std::string_view(args.server).substr(0, colon),
      .server_port = port,
      .hostname = args.hostname,
      .ca_certificates = ca,
      .read_timeout_ms = args.read_timeout_ms,
      .debug_level = args.debug,
  };
  core::HandshakeReport report = client.handshake(options);
  nlohmann::json out = {
      {"report", sim::to_json(report)},
      {"build", sim::to_json(core::build_facts())},
      {"clock", args.time},
  };
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shakedown simulator build (" SHAKEDOWN_MBEDTLS_LINE ", " SHAKEDOWN_PROFILE_NAME ")"};
  app.require_subcommand(1);

  HandshakeArgs hs;
  auto* handshake = app.add_subcommand("handshake", "Run one TLS handshake and print its report as JSON");
  handshake->add_option("--server", hs.server, "Test server, ADDRESS:PORT (loopback only)")->required();
  handshake->add_option("--ca", hs.ca_file, "Trust anchors, PEM or DER")->required();
  handshake->add_option("--hostname", hs.hostname, "SNI and the name to verify; empty: neither");
  handshake->add_option("--time", hs.time, "Wall clock: now, unset, or seconds since 1970")->capture_default_str();
  handshake->add_option("--read-timeout-ms", hs.read_timeout_ms, "Bound on each wait for the server")
      ->check(CLI::Range(1u, 600'000u))
      ->capture_default_str();
  handshake->add_option("--debug", hs.debug, "Mbed TLS debug threshold, 0-4")
      ->check(CLI::Range(0, 4))
      ->capture_default_str();

  app.add_subcommand("facts", "Print the effective Mbed TLS configuration as JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  if (app.got_subcommand(handshake)) return run_handshake(hs);
  std::cout << sim::to_json(core::build_facts()).dump() << std::endl;
  return 0;
}
