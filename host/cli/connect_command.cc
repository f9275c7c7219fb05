#include "connect_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "explain.h"
#include "host_port.h"
#include "output_text.h"
#include "shakedown/errors/exit_codes.h"
#include "shakedown/tls/mbedtls_line.h"
#include "shakedown/tls/stage.h"
#include "target_registry.h"

namespace shakedown::cli {
namespace {

using exit_codes::kAllAsExpected, exit_codes::kUnexpected, exit_codes::kInfrastructure, exit_codes::kUsage;

// The device's trust as it takes it: PEM with its NUL, or DER as it is.
std::optional<std::vector<uint8_t>> read_trust(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.find("-----BEGIN") != std::string_view::npos) bytes.push_back(0);
  return bytes;
}

// The rules that need no server capture, as `explain` runs them on a log
// alone, fed what the device reported (authoritative: its state, alerts,
// chain and heap) and what its log shows (the ClientHello, Mbed TLS's words
// for a record too large).
explain::Explanation client_side_explanation(const targets::HandshakeOutcome& outcome,
                                             const device::DeviceConfig& config, const std::string& server) {
  std::string log_text;
  for (const auto& line : outcome.device_log) log_text += line + "\n";
  explain::LogFacts facts;
  try {
    std::istringstream in(log_text);
    facts = explain::read_log(in, "device log");
  } catch (const explain::NotALog&) {
    // A debug level too low to show anything: the report alone.
  }
  facts.earlier_episodes.clear();
  facts.report = outcome.report;
  facts.build = outcome.build;
  facts.hostname = config.hostname;
  facts.server = server;
  facts.time = config.time;
  facts.auth_mode = config.auth_mode;
  facts.result_known = true;
  facts.mbedtls_seen = true;     // a report, not a bare code
  facts.log.state_shown = true;  // the device reports its state
  return explain::explain(std::move(facts));
}

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

int connect_command(const ConnectArgs& args) {
  const auto where = parse_host_port(args.server);
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
  request.config.hostname = args.no_servername         ? ""
                            : !args.servername.empty() ? args.servername
                            : is_ipv4(where->host)     ? ""
                                                       : where->host;
  request.config.time = args.time;
  request.config.first_request = args.first_request;
  request.config.debug_level = args.debug_level;
  if (args.ca_file.empty()) {
    request.config.auth_mode = 0;  // none: nothing to verify against
  } else if (auto trust = read_trust(args.ca_file)) {
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
  std::unique_ptr<targets::Target> target;
  try {
    target = row->make({.firmware_dir = SHAKEDOWN_DEFAULT_FIRMWARE_DIR, .parameter = parameter});
  } catch (const targets::TargetUsageError& e) {
    fmt::print(stderr, "shakedown connect: {}\n", e.what());
    return kUsage;
  }
  if (auto why = target->unavailable(args.mbedtls_line, args.profile)) {
    fmt::print(stderr, "shakedown connect: {}\n", *why);
    return kUsage;
  }
  const Resolved resolved = resolve_ipv4(where->host);
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
      !reached ? explain::Explanation{} : client_side_explanation(outcome, request.config, server);
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
