#include "probe_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "chain_anchor.h"
#include "host_port.h"
#include "interrupts.h"
#include "output_text.h"
#include "replica.h"
#include "server_probe.h"
#include "shakedown/errors/exit_codes.h"
#include "shakedown/tls/cipher_suite.h"

namespace shakedown::cli {
namespace {

using exit_codes::kAllAsExpected, exit_codes::kInfrastructure, exit_codes::kUsage;

nlohmann::json refusal_json(const probe::Refusal& r) {
  if (r.kind == probe::Refusal::Kind::kNone) return nullptr;
  return {{"how", probe::describe(r)}, {"alert", r.alert >= 0 ? nlohmann::json(r.alert) : nlohmann::json(nullptr)}};
}

nlohmann::json to_json(const probe::ProbeResult& r, double seconds) {
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& v : r.versions) {
    nlohmann::json suites = nlohmann::json::array();
    for (uint16_t id : v.suites) suites.push_back(fmt::format("{:04x}", id));
    versions.push_back({{"version", v.version},
                        {"accepted", v.accepted},
                        {"refusal", refusal_json(v.refusal)},
                        {"suites_in_server_order", suites},
                        {"server_order", v.server_order ? nlohmann::json(*v.server_order) : nlohmann::json(nullptr)}});
  }
  nlohmann::json chain = nlohmann::json::array();
  for (const auto& c : r.chain) {
    chain.push_back({{"subject", c.subject},
                     {"issuer", c.issuer},
                     {"key", c.key},
                     {"signature", c.signature},
                     {"not_after", c.not_after},
                     {"dns_names", c.dns_names}});
  }
  return {{"server", r.server},
          {"reachable", r.reachable},
          {"first_contact_refusal", refusal_json(r.first_contact)},
          {"versions", versions},
          {"suite_refusal", refusal_json(r.suite_refusal)},
          {"groups", r.groups},
          {"signature_schemes", r.signature_schemes},
          {"chain", chain},
          {"ca_file_anchors_chain", r.anchored ? nlohmann::json(*r.anchored) : nlohmann::json(nullptr)},
          {"unanchored_because", r.anchored && !*r.anchored ? nlohmann::json(r.unanchored_because) : nullptr},
          {"sni_required", r.sni_required ? nlohmann::json(*r.sni_required) : nlohmann::json(nullptr)},
          {"without_sni", refusal_json(r.without_sni)},
          {"certificate_requested", r.certificate_requested},
          {"client_ca_names", r.client_ca_names},
          {"session_ticket", r.session_ticket},
          {"hello_retry_request", r.hello_retry_request},
          {"max_fragment_length_512",
           r.max_fragment_length ? nlohmann::json(*r.max_fragment_length) : nlohmann::json(nullptr)},
          {"largest_record", r.largest_record},
          {"largest_handshake_message", r.largest_handshake_message},
          {"handshakes", r.handshakes},
          {"seconds", seconds},
          {"stopped_early", r.stopped},
          {"not_seen", r.unseen}};
}

void print_text(const probe::ProbeResult& r, double seconds) {
  fmt::print("{}: {} handshakes in {:.1f} s{}\n", r.server, r.handshakes, seconds,
             r.stopped ? " (stopped early: what follows is what was learned)" : "");
  if (!r.reachable) fmt::print("  a default ClientHello was refused: {}\n", probe::describe(r.first_contact));
  for (const auto& v : r.versions) {
    if (!v.accepted) {
      fmt::print("  {}: refused ({})\n", v.version, probe::describe(v.refusal));
      continue;
    }
    std::vector<std::string> labels;
    for (uint16_t id : v.suites) labels.push_back(tls::describe_suite(id));
    fmt::print("  {}: accepted; suites{}: {}\n", v.version,
               !v.server_order   ? ""
               : *v.server_order ? " in the server's order"
                                 : " (it follows the client's order)",
               fmt::join(labels, ", "));
  }
  if (r.suite_refusal.kind != probe::Refusal::Kind::kNone) {
    fmt::print("  a ClientHello with no suite it accepts gets {}\n", probe::describe(r.suite_refusal));
  }
  fmt::print("  groups: {}\n", r.groups.empty() ? "none accepted alone" : fmt::format("{}", fmt::join(r.groups, ", ")));
  fmt::print("  signature schemes: {}\n", fmt::join(r.signature_schemes, ", "));
  for (size_t i = 0; i < r.chain.size(); ++i) {
    const auto& c = r.chain[i];
    fmt::print("  certificate {}: {} ({}, {}), issued by {}, until {}\n", i, c.subject, c.key, c.signature, c.issuer,
               c.not_after);
  }
  if (r.anchored) {
    fmt::print("  your CA file {}\n",
               *r.anchored ? "anchors this chain" : "does not anchor this chain: " + r.unanchored_because);
  }
  if (r.sni_required) {
    fmt::print("  SNI: {}\n", *r.sni_required ? "required: without it, " + probe::describe(r.without_sni)
                                              : std::string("not required"));
  }
  if (r.max_fragment_length) {
    fmt::print("  max fragment length 512: {}\n", *r.max_fragment_length ? "honoured" : "ignored");
  }
  fmt::print("  largest record {} bytes, largest handshake message {} bytes{}{}{}\n", r.largest_record,
             r.largest_handshake_message, r.certificate_requested ? "; asks for a client certificate" : "",
             r.session_ticket ? "; sends session tickets" : "",
             r.hello_retry_request ? "; sent a HelloRetryRequest" : "");
  if (r.certificate_requested) {
    fmt::print("  the client-certificate request names {}\n",
               r.client_ca_names.empty() ? std::string("no CA")
                                         : fmt::format("these CAs: {}", fmt::join(r.client_ca_names, "; ")));
  }
  for (const auto& what : r.unseen) fmt::print("  not seen: {}\n", what);
}

}  // namespace

int probe_command(const ProbeArgs& args) {
  const auto where = net::parse_host_port(args.server);
  if (!where) {
    fmt::print(stderr, "shakedown probe: '{}': expected HOST:PORT (an IPv4 address or a name, and a port)\n",
               args.server);
    return kUsage;
  }
  if (!args.ca_file.empty()) {
    if (auto problem = probe::ca_file_problem(args.ca_file)) {
      fmt::print(stderr, "shakedown probe: --ca {}: not a PEM file of certificates: {}\n", args.ca_file, *problem);
      return kUsage;
    }
  }
  // Before any other thread: the resolver's inherits the blocked signals.
  Interrupts interrupts([] {});
  const net::Resolved resolved = net::resolve_ipv4(where->host);
  if (!resolved.error.empty()) {
    fmt::print(stderr, "shakedown probe: {}\n", resolved.error);
    return kInfrastructure;
  }
  probe::ProbeOptions options{.address = resolved.address,
                              .port = where->port,
                              .servername = !args.servername.empty()    ? args.servername
                                            : net::is_ipv4(where->host) ? ""
                                                                        : where->host,
                              .ca_file = args.ca_file,
                              .max_handshakes = args.max_handshakes,
                              .timeout = std::chrono::milliseconds(args.timeout_ms),
                              .stop = interrupts.stop_token(),
                              .progress = nullptr};
  // A progress line, rewritten in place, where a person watches.
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  if (terminal) {
    options.progress = [](int n, const std::string& step) {
      fmt::print(stderr, "\rshakedown probe: handshake {:3}: {:<40}", n, step);
    };
  }
  const auto start = std::chrono::steady_clock::now();
  probe::ProbeResult result = probe::probe_server(options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (terminal) fmt::print(stderr, "\n");
  result.server = args.server;
  print_text(result, seconds);
  if (!args.json_path.empty()) {
    std::ofstream out(args.json_path);
    out << runner::json_text(to_json(result, seconds)) << "\n";
    if (!out.flush()) {
      fmt::print(stderr, "shakedown probe: --json {}: cannot write\n", args.json_path);
      return kUsage;
    }
  }
  if (!args.replica_path.empty() && result.reachable) {
    std::ofstream out(args.replica_path);
    out << probe::replica_scenario(result, {.hostname = options.servername, .profiles = args.profiles});
    if (!out.flush()) {
      fmt::print(stderr, "shakedown probe: --replica {}: cannot write\n", args.replica_path);
      return kUsage;
    }
    fmt::print("Replica written to {}: `shakedown run {}` meets it offline\n", args.replica_path, args.replica_path);
  }
  const bool nothing_there = !result.reachable && (result.first_contact.kind == probe::Refusal::Kind::kNoConnection ||
                                                   result.first_contact.kind == probe::Refusal::Kind::kTimeout);
  // Interrupted: what was learned is printed, and the exit says it is partial.
  return nothing_there || interrupts.interrupted() ? kInfrastructure : kAllAsExpected;
}

}  // namespace shakedown::cli
