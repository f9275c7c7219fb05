#include "runner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include "chain_facts.h"
#include "cross_check.h"
#include "device_side.h"
#include "host_port.h"
#include "mbedtls_codes.h"
#include "report_json.h"
#include "s_server_peer.h"
#include "server_setup.h"
#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/named_group.h"
#include "shakedown/tls/signature_scheme.h"
#include "shakedown/tls/stage.h"
#include "shakedown/tls/version.h"
#include "temp_dir.h"
#include "test_server.h"
#include "trust_file.h"

namespace shakedown::runner {
namespace {

using namespace std::chrono_literals;

// How long the server may take to finish a connection the client has left.
constexpr auto kCaptureWait = 10s;  // returns as soon as the capture is in; generous for loaded machines

// The chain as the diagnosis sees it: the facts servers/ reads from the
// certificates, with where the server sends each and what the client trusts.
std::vector<diagnosis::CertInfo> describe_chain(const servers::Chain& chain, const servers::EndpointConfig& server) {
  std::vector<diagnosis::CertInfo> out;
  std::vector<servers::CertFacts> facts = servers::describe_chain(chain);
  const size_t leaf = facts.size() - 1;
  for (size_t i = 0; i < facts.size(); ++i) {
    servers::CertFacts& f = facts[i];
    std::optional<size_t> sent_position;
    if (server.send.empty()) {
      if (i != 0) sent_position = leaf - i;  // the leaf, then each issuer
    } else if (auto at = std::find(server.send.begin(), server.send.end(), i); at != server.send.end()) {
      sent_position = static_cast<size_t>(at - server.send.begin());
    }
    out.push_back({.role = std::move(f.role),
                   .subject = std::move(f.subject),
                   .key_type = std::move(f.key_type),
                   .key_bits = f.key_bits,
                   .signature_algorithm = std::move(f.signature_algorithm),
                   .signature_hash = std::move(f.signature_hash),
                   .der_size = f.der_size,
                   .trusted_by_client = i == 0,
                   .sent_position = sent_position,
                   .not_after = std::move(f.not_after),
                   .dns_names = std::move(f.dns_names),
                   .path_length = f.path_length});
  }
  return out;
}

std::vector<uint16_t> server_groups(const std::string& list) {
  std::vector<uint16_t> ids;
  size_t start = 0;
  while (start < list.size()) {
    size_t end = std::min(list.find(':', start), list.size());
    const tls::NamedGroup* group = tls::named_group(std::string_view(list).substr(start, end - start));
    if (group != nullptr) ids.push_back(group->id);
    start = end + 1;
  }
  return ids;
}

// A server version as its config names it ("tls1.2"); the scenario loader
// and the test server have checked it, so anything else is a bug here.
tls::Version server_version(const std::string& name) {
  if (auto v = tls::parse_config_name(name)) return *v;
  throw std::runtime_error(fmt::format("server: unknown version '{}'", name));
}

// Mbed TLS parses PEM only with its terminating NUL.
std::vector<uint8_t> pem_for_device(const std::string& pem) {
  std::vector<uint8_t> bytes(pem.begin(), pem.end());
  bytes.push_back(0);
  return bytes;
}

}  // namespace

namespace {

// What differs between the pinned parameters and those the device (and, for
// the signature, the server) saw; empty when all agree.
std::string negotiated_mismatch(const scenario::Negotiated& want, const device::ClientReport& report,
                                std::optional<uint16_t> server_signature) {
  std::vector<std::string> wrong;
  if (want.version) {
    const auto v = tls::version_from_wire(*want.version);
    const std::string_view expected = v ? tls::mbedtls_name(*v) : std::string_view("?");
    if (report.version != expected) wrong.push_back(fmt::format("version {}, got {}", expected, report.version));
  }
  if (want.suite && *want.suite != report.suite_id) {
    wrong.push_back(
        fmt::format("suite {}, got {}", tls::describe_suite(*want.suite), tls::describe_suite(report.suite_id)));
  }
  if (want.group && *want.group != report.group_id) {
    wrong.push_back(fmt::format("group {}, got {}", tls::group_name(*want.group),
                                report.group_id == 0 ? std::string("none") : tls::group_name(report.group_id)));
  }
  if (want.signature && *want.signature != server_signature.value_or(0)) {
    wrong.push_back(fmt::format(
        "signature {}, got {}", tls::signature_scheme_name(*want.signature),
        server_signature.value_or(0) == 0 ? std::string("none") : tls::signature_scheme_name(*server_signature)));
  }
  return wrong.empty() ? "" : fmt::format("expected {}", fmt::join(wrong, "; "));
}

}  // namespace

std::string judge(const scenario::Expectation& expect, const device::ClientReport& report,
                  const std::vector<diagnosis::Finding>& findings, std::optional<uint16_t> server_signature) {
  const std::string got =
      report.passed() ? "a pass" : fmt::format("{} ({})", device::format_code(report.result), report.result_name);
  const diagnosis::Finding* primary = findings.empty() ? nullptr : &findings.front();
  const auto primary_name = primary != nullptr ? diagnosis::finding_name(primary->id) : "none";
  const bool other_finding = expect.finding && (primary == nullptr || *expect.finding != primary->id);
  if (expect.result == scenario::Expectation::Result::kPass) {
    if (!report.passed()) return fmt::format("expected a pass, got {}", got);
    // A pass may carry a warning (a declared Severity::kWarning).
    if (other_finding) {
      return fmt::format("expected a pass with finding {}, got {}", diagnosis::finding_name(*expect.finding),
                         primary_name);
    }
    return negotiated_mismatch(expect.negotiated, report, server_signature);
  }
  if (report.passed()) return "expected a failure, got a pass";
  if (expect.error && *expect.error != report.result) {
    return fmt::format("expected error {}, got {}", device::format_code(*expect.error), got);
  }
  if (other_finding) {
    return fmt::format("expected finding {}, got {}", diagnosis::finding_name(*expect.finding), primary_name);
  }
  return "";
}

std::optional<std::string> held_in_transit(const device::ClientReport& report,
                                           const servers::ConnectionCapture* capture,
                                           const servers::EndpointConfig& config) {
  if (report.result != -static_cast<int32_t>(diagnosis::codes::kSslTimeout)) return std::nullopt;
  if (config.stall_before >= 0 || config.dribble_bytes > 0 ||
      config.after_client_hello != servers::AfterClientHello::kNegotiate) {
    return std::nullopt;
  }
  auto bytes_of = [](const std::vector<servers::RecordSeen>& records) {
    constexpr size_t kRecordHeader = 5;
    size_t n = 0;
    for (const auto& record : records) n += kRecordHeader + record.length;
    return n;
  };
  const size_t sent = capture ? bytes_of(capture->records_sent) : 0;
  const size_t received = capture ? bytes_of(capture->records_received) : 0;
  if (sent > report.bytes_received) {
    return fmt::format(
        "the server sent {} bytes and the device received {} before its read timed out (-0x6800): "
        "the target's network held them, not the server",
        sent, report.bytes_received);
  }
  if (received < report.bytes_sent) {
    return fmt::format(
        "the device sent {} bytes and the server received {} before the device's read timed out "
        "(-0x6800): the target's network held them, not the server",
        report.bytes_sent, received);
  }
  return std::nullopt;
}

targets::HandshakeRequest handshake_request(const scenario::Scenario& s, const scenario::Cell& cell, uint16_t port,
                                            const servers::Chain& chain) {
  return {
      .mbedtls_line = cell.mbedtls_line,
      .profile = cell.profile,
      .server_port = port,
      .ca_chain = pem_for_device(chain.root().pem),
      .config = s.client.device,
      .deadline = s.client.exchange_bound(),
  };
}

Runner::Runner(RunnerOptions options, targets::Target& target)
    : options_(std::move(options)),
      target_(target),
      chains_(std::make_unique<scenario::ChainStore>(options_.pki_cache)) {}

CellResult Runner::run_cell(const scenario::Scenario& s, const scenario::Cell& cell, std::stop_token stop) const {
  const auto start = std::chrono::steady_clock::now();
  std::filesystem::path dir;
  if (!options_.artifacts_dir.empty()) {
    dir = options_.artifacts_dir / s.name / fmt::format("{}-{}-{}", target_.name(), cell.mbedtls_line, cell.profile);
  }
  CellResult r;
  std::vector<std::string> earlier;
  for (unsigned attempt = 1;; ++attempt) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);  // a rerun into the same folder leaves no stale files
    r = run_cell_unsaved(s, cell, dir, attempt > 1, stop);
    r.attempts = attempt;
    if (!r.device_link_failed || attempt > options_.device_link_retries || stop.stop_requested()) break;
    earlier.push_back(r.why);
  }
  r.earlier_attempts = std::move(earlier);
  if (r.verdict == Verdict::kInfrastructureError && stop.stop_requested()) {
    r.why = fmt::format("{} ({})", kInterrupted, r.why);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!dir.empty()) {
    // Kept even when the cell failed to run: the log says how far it got.
    if (const auto saved = save_cell_artifacts(dir, r); !saved) {
      r.verdict = Verdict::kInfrastructureError;
      r.why = (r.why.empty() ? "" : r.why + "; ") + saved.error().message;
    } else {
      r.artifacts_dir = dir;
    }
  }
  return r;
}

bool Runner::handshake(targets::HandshakeRequest request, bool fresh_instance, std::stop_token stop,
                       CellResult& r) const {
  if (options_.debug_level) request.config.debug_level = *options_.debug_level;
  request.fresh_instance = fresh_instance;
  request.stop = stop;
  targets::HandshakeOutcome outcome = target_.handshake(request);
  r.device_log = std::move(outcome.device_log);
  r.ran_on = std::move(outcome.ran_on);
  if (outcome.infrastructure_error) {
    r.why = *outcome.infrastructure_error;
    r.device_link_failed = outcome.device_link_failed;
    return false;
  }
  r.report = std::move(outcome.report);
  r.build = std::move(outcome.build);
  return true;
}

CellResult Runner::run_cell_unsaved(const scenario::Scenario& s, const scenario::Cell& cell,
                                    const std::filesystem::path& cell_dir, bool fresh_instance,
                                    std::stop_token stop) const {
  CellResult r;
  r.scenario = s.name;
  r.target = target_.name();
  r.cell = cell;
  if (auto why = target_.unavailable(cell.mbedtls_line, cell.profile)) {
    r.why = *why;
    return r;
  }
  if (s.peer == scenario::Scenario::Peer::kExternal)
    return meet_external_server(s, cell, fresh_instance, stop, std::move(r));
  try {
    const scenario::ServerSetup setup = scenario::set_up_server(s, *chains_, cell_dir);
    const servers::Chain& chain = setup.chain();
    const servers::EndpointConfig& config = setup.config;
    // Our server always holds the endpoint (its accepted suites feed the
    // diagnosis); it listens only when it plays the scenario itself.
    servers::TestServer server(config);
    std::optional<servers::SServerPeer> s_server;
    std::optional<process::TempDir> s_server_files;
    uint16_t port = 0;
    if (s.peer == scenario::Scenario::Peer::kOpensslSServer) {
      s_server_files.emplace(options_.scratch_dir, "s_server");
      s_server.emplace(config, s_server_files->path());
      port = s_server->port();
    } else {
      port = server.start();
    }

    if (!handshake(handshake_request(s, cell, port, chain), fresh_instance, stop, r)) return r;
    const bool reached_server = r.report.stage == tls::Stage::kHandshake || r.report.handshake_completed();
    if (!s_server && reached_server && server.wait_for_captures(1, kCaptureWait)) r.capture = server.captures().front();
    server.stop();
    if (s_server) s_server->stop();
    // The cell's own server was listening: a device that could not reach it
    // met the path between, not the server.
    if (r.report.stage == tls::Stage::kConnect &&
        r.report.result == -static_cast<int32_t>(diagnosis::codes::kNetConnectFailed)) {
      r.why =
          "the device could not connect (-0x0044), though the cell's test server was listening: the path between "
          "did not take the connection (the bench relay, a forward on a bench host, QEMU's guestfwd), or the "
          "device's network cannot reach it";
      return r;
    }
    if (!s_server && reached_server && !r.capture && r.report.bytes_sent > 0) {
      // Not the server's doing, whatever the device saw: ours never had the connection.
      r.why = fmt::format(
          "the device sent {} bytes on a connection, but the cell's test server accepted none: whatever carries "
          "the device's connections to it (the bench relay, a forward on a bench host, QEMU's guestfwd) did not "
          "deliver it",
          r.report.bytes_sent);
      return r;
    }
    if (!s_server && reached_server) {
      if (auto why = held_in_transit(r.report, r.capture ? &*r.capture : nullptr, config)) {
        r.why = std::move(*why);
        r.device_link_failed = true;  // tried again on a fresh instance
        return r;
      }
    }

    diagnosis::ServerView view{.accepted_suites = server.accepted_suites(),
                               .chain = describe_chain(chain, config),
                               .connection = r.capture,
                               .min_version = server_version(config.min_version),
                               .max_version = server_version(config.max_version),
                               .groups = server_groups(config.groups),
                               .signature_algorithms = config.signature_algorithms,
                               .psk = config.psk};
    r.findings = diagnosis::diagnose({r.report,
                                      r.build,
                                      view,
                                      profile_file(cell.profile),
                                      {s.client.hostname, s.client.device.time, s.client.device.auth_mode,
                                       s.client.device.psk_identity, s.client.device.psk_key}});
    if (auto why = disbelieved_pass(r.report, s.client.device.auth_mode, s_server ? nullptr : &r.capture)) {
      r.why = std::move(*why);
      return r;
    }
  } catch (const std::exception& e) {
    r.why = fmt::format("{}: {}", s.file.string(), e.what());
    return r;
  }
  r.why = judge(cell.expect_on(target_.name()), r.report, r.findings,
                r.capture ? std::optional<uint16_t>(r.capture->negotiated_signature) : std::nullopt);
  r.verdict = r.why.empty() ? Verdict::kAsExpected : Verdict::kUnexpected;
  return r;
}

CellResult Runner::meet_external_server(const scenario::Scenario& s, const scenario::Cell& cell, bool fresh_instance,
                                        std::stop_token stop, CellResult r) const {
  const std::string server = fmt::format("{}:{}", s.external.host, s.external.port);
  // A name is looked up for each cell, as a device would, within a bound.
  const net::Resolved resolved = net::resolve_ipv4(s.external.host);
  if (!resolved.error.empty()) {
    r.why = fmt::format("{}: server {}: {}", s.file.string(), server, resolved.error);
    return r;
  }
  std::vector<uint8_t> trust;
  if (!s.external.trust.empty()) {
    auto bytes = device::read_trust_file(s.external.trust);
    if (!bytes) {
      r.why = fmt::format("{}: cannot read the trust file {}", s.file.string(), s.external.trust.string());
      return r;
    }
    trust = std::move(*bytes);
  }
  const targets::HandshakeRequest request{.mbedtls_line = cell.mbedtls_line,
                                          .profile = cell.profile,
                                          .server_port = s.external.port,
                                          .server_address = resolved.address,
                                          .ca_chain = std::move(trust),
                                          .config = s.client.device,
                                          .deadline = s.client.exchange_bound()};
  if (!handshake(request, fresh_instance, stop, r)) return r;
  if (r.report.stage == tls::Stage::kConnect) {
    // Not one TLS byte was exchanged: the server was not there to be met.
    r.why = fmt::format("the device could not open a TCP connection to {} ({}): is the server listening there?", server,
                        r.report.result_name);
    return r;
  }
  const explain::Explanation explained =
      explain::explain_device_side(r.device_log, r.report, r.build, s.client.device, server);
  for (const auto& f : explained.findings) r.findings.push_back(f.finding);
  r.why = judge(cell.expect_on(target_.name()), r.report, r.findings, std::nullopt);
  r.verdict = r.why.empty() ? Verdict::kAsExpected : Verdict::kUnexpected;
  return r;
}

}  // namespace shakedown::runner
