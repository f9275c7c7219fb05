#include "connect_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "device_side.h"
#include "explain.h"
#include "host_port.h"
#include "imported_config_cells.h"
#include "output_text.h"
#include "shakedown/errors/exit_codes.h"
#include "shakedown/tls/mbedtls_line.h"
#include "shakedown/tls/stage.h"
#include "target_registry.h"
#include "trust_file.h"

namespace shakedown::cli {
namespace {

using exit_codes::kAllAsExpected, exit_codes::kUnexpected, exit_codes::kInfrastructure, exit_codes::kUsage;

std::string outcome_line(const device::ClientReport& r) {
  if (r.passed()) {
    return fmt::format("handshake passed in {} ms: {}, {}{}", r.duration_ms, r.version, r.suite,
                       r.reply_bytes ? fmt::format("; the server replied {} bytes", *r.reply_bytes) : "");
  }
  return fmt::format("handshake failed: {} returned {} ({}) at {}", r.failed_call.empty() ? "a call" : r.failed_call,
                     device::format_code(r.result), r.result_name, tls::stage_name(r.stage));
}

nlohmann::json to_json(const ConnectArgs& args, const std::string& address, const targets::HandshakeOutcome& outcome,
                       const explain::Explanation& explanation) {
  nlohmann::json out = {{"server", args.server},
                        {"address", address},
                        {"target", args.target},
                        {"mbedtls_line", args.mbedtls_line},
                        {"profile", args.profile}};
  if (outcome.infrastructure_error) {
    out["infrastructure_error"] = *outcome.infrastructure_error;
    return out;
  }
  const auto& r = outcome.report;
  out["mbedtls"] = outcome.build.mbedtls_version;
  out["result"] = r.passed() ? "pass" : "fail";
  out["error_code"] = device::format_code(r.result);
  out["error_name"] = r.result_name;
  out["failed_call"] = r.failed_call;
  out["stage"] = tls::stage_name(r.stage);
  out["version"] = r.version;
  out["suite"] = r.suite;
  out["verify_flags"] = device::verify_flag_names(r.verify_flags);
  out["handshake_ms"] = r.duration_ms;
  out["peak_heap_bytes"] = r.heap_peak;
  out["exchange_reply_bytes"] = r.reply_bytes ? nlohmann::json(*r.reply_bytes) : nlohmann::json(nullptr);
  const nlohmann::json explained = explain::to_json(explanation);
  out["findings"] = explained["findings"];
  out["candidates"] = explained["candidates"];
  out["tell_apart"] = explained["tell_apart"];
  if (args.show_log) out["device_log"] = outcome.device_log;
  return out;
}

}  // namespace

int connect_command(ConnectArgs args) {
  const auto where = net::parse_host_port(args.server);
  if (!where) {
    fmt::print(stderr, "shakedown connect: '{}': expected HOST:PORT (an IPv4 address or a name, and a port)\n",
               args.server);
    return kUsage;
  }
  if (!tls::parse_mbedtls_line(args.mbedtls_line)) {
    fmt::print(stderr, "shakedown connect: --mbedtls {}: expected a line such as 2.28 or 3.6\n", args.mbedtls_line);
    return kUsage;
  }
  targets::HandshakeRequest request;
  request.mbedtls_line = args.mbedtls_line;
  request.profile = args.profile;
  request.server_port = where->port;
  request.deadline = std::chrono::seconds(args.timeout_seconds);
  request.config.hostname = args.no_servername          ? ""
                            : !args.servername.empty()  ? args.servername
                            : net::is_ipv4(where->host) ? ""
                                                        : where->host;
  request.config.time = args.time;
  request.config.first_request = args.first_request;
  request.config.debug_level = args.debug_level;
  if (args.ca_file.empty()) {
    request.config.auth_mode = 0;  // none: nothing to verify against
  } else if (auto trust = device::read_trust_file(args.ca_file)) {
    request.ca_chain = std::move(*trust);
  } else {
    fmt::print(stderr, "shakedown connect: --ca {}: cannot read ({})\n", args.ca_file, std::strerror(errno));
    return kUsage;
  }

  std::string parameter;
  const targets::TargetRow* row = targets::find_target(args.target, &parameter);
  if (row == nullptr) {
    fmt::print(stderr, "shakedown connect: --target {}: expected {}\n", args.target, targets::target_names());
    return kUsage;
  }
  targets::TargetSettings settings{.firmware_dir = SHAKEDOWN_DEFAULT_FIRMWARE_DIR, .parameter = parameter};
  if (!args.config_file.empty()) {
    // The device's own config: its builds made on demand, its profile used.
    const auto config = import_for_run(
        args.config_file, args.mbedtls_named ? std::vector{args.mbedtls_line} : std::vector<std::string>{});
    if (!config) return kUsage;
    const auto made = build_for_target(*config, args.target);
    if (!made) return kUsage;
    settings.sim_build_dir = made->simulator.dir;
    if (made->image) settings.firmware_dir = made->image->dir;
    args.profile = request.profile = config->name;
    args.mbedtls_line = request.mbedtls_line = config->tree.line;
  }
  std::unique_ptr<targets::Target> target;
  try {
    target = row->make(settings);
  } catch (const targets::TargetUsageError& e) {
    fmt::print(stderr, "shakedown connect: {}\n", e.what());
    return kUsage;
  }
  if (auto why = target->unavailable(args.mbedtls_line, args.profile)) {
    fmt::print(stderr, "shakedown connect: {}\n", *why);
    return kUsage;
  }
  const net::Resolved resolved = net::resolve_ipv4(where->host);
  if (!resolved.error.empty()) {
    fmt::print(stderr, "shakedown connect: {}\n", resolved.error);
    return kInfrastructure;
  }
  request.server_address = resolved.address;

  const targets::HandshakeOutcome outcome = target->handshake(request);
  for (const auto& problem : target->shut_down()) fmt::print(stderr, "shakedown connect: {}\n", problem);
  const std::string server = fmt::format("{}:{}", where->host, where->port);
  const bool reached = !outcome.infrastructure_error && outcome.report.stage != tls::Stage::kConnect;
  const explain::Explanation explanation =
      !reached
          ? explain::Explanation{}
          : explain::explain_device_side(outcome.device_log, outcome.report, outcome.build, request.config, server);
  if (args.json) {
    fmt::print("{}\n", runner::json_text(to_json(args, request.server_address, outcome, explanation)));
  } else {
    fmt::print("{} ({}) from {}, Mbed TLS {} with {}:\n", args.server, request.server_address, target->name(),
               outcome.build.mbedtls_version.empty() ? args.mbedtls_line : outcome.build.mbedtls_version, args.profile);
    if (outcome.infrastructure_error) {
      fmt::print("  infrastructure error: {}\n", *outcome.infrastructure_error);
    } else {
      fmt::print("  {}\n", outcome_line(outcome.report));
      if (outcome.report.stage == tls::Stage::kConnect) {
        // No TLS byte was exchanged: nothing for the rules to read.
        fmt::print(
            "  The device could not open a TCP connection to {}{}: is the server listening there, and does the "
            "path let the device through?\n",
            server, outcome.report.connect_failure.empty() ? "" : " (" + outcome.report.connect_failure + ")");
      } else {
        if (request.config.auth_mode == 0) fmt::print("  (no --ca: the server's certificate was not verified)\n");
        if (!outcome.report.passed()) fmt::print("{}", explain::findings_text(explanation));
      }
    }
    if (args.show_log) {
      fmt::print("\nDevice log:\n");
      for (const auto& line : outcome.device_log) fmt::print("  {}\n", line);
    }
  }
  if (outcome.infrastructure_error) return kInfrastructure;
  return outcome.report.passed() ? kAllAsExpected : kUnexpected;
}

}  // namespace shakedown::cli
