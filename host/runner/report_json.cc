#include "report_json.h"

#include "output_text.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include "shakedown/tls/alert.h"
#include "shakedown/tls/named_group.h"
#include "shakedown/tls/signature_scheme.h"
#include "shakedown/tls/stage.h"

namespace shakedown::runner {
namespace {

using nlohmann::json;

constexpr std::pair<Verdict, std::string_view> kVerdictNames[] = {
    {Verdict::kAsExpected, "as-expected"},
    {Verdict::kUnexpected, "unexpected"},
    {Verdict::kInfrastructureError, "infrastructure-error"},
};

json alerts_json(const std::vector<device::AlertSeen>& alerts) {
  json out = json::array();
  for (const auto& a : alerts) {
    out.push_back({{"level", a.level}, {"description", a.description}, {"name", tls::alert_name(a.description)}});
  }
  return out;
}

// Milliseconds to a tenth: the wire's timing, not the clock's noise.
double rounded_ms(double ms) {
  return std::round(ms * 10) / 10;
}

const char* content_type_name(uint8_t type) {
  switch (type) {
    case 20: return "change_cipher_spec";
    case 21: return "alert";
    case 22: return "handshake";
    case 23: return "application_data";
    default: return "unknown";
  }
}

// (from_server, index in its direction's records), ordered by time; the
// client's record first at a tie, since the server only answers.
std::vector<std::pair<bool, size_t>> records_in_wire_order(const servers::ConnectionCapture& c) {
  std::vector<std::pair<bool, size_t>> order;
  for (size_t i = 0; i < c.records_received.size(); ++i) order.emplace_back(false, i);
  for (size_t i = 0; i < c.records_sent.size(); ++i) order.emplace_back(true, i);
  auto at = [&c](const std::pair<bool, size_t>& r) {
    return (r.first ? c.records_sent : c.records_received)[r.second].at_ms;
  };
  std::stable_sort(order.begin(), order.end(), [&](const auto& x, const auto& y) { return at(x) < at(y); });
  return order;
}

json hex_ids(const std::vector<uint16_t>& ids) {
  json out = json::array();
  for (auto id : ids) out.push_back(fmt::format("{:04x}", id));
  return out;
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  for (const auto& [v, name] : kVerdictNames) {
    if (v == verdict) return name;
  }
  return "unknown";
}

std::optional<Verdict> parse_verdict(std::string_view name) {
  for (const auto& [v, n] : kVerdictNames) {
    if (n == name) return v;
  }
  return std::nullopt;
}

json to_json(const servers::ConnectionCapture& c) {
  json out = {{"end", servers::connection_end_name(c.end)},
              {"verdict", c.verdict},
              {"behaviour", c.behaviour},
              {"negotiated",
               {{"version", c.negotiated_version},
                {"suite", c.negotiated_suite},
                {"signature", c.negotiated_signature != 0 ? json(tls::signature_scheme_name(c.negotiated_signature))
                                                          : json(nullptr)}}}};
  if (c.client_hello) {
    const auto& h = *c.client_hello;
    out["client_hello"] = {{"legacy_version", fmt::format("{:04x}", h.legacy_version)},
                           {"supported_versions", hex_ids(h.supported_versions)},
                           {"cipher_suites", hex_ids(h.cipher_suites)},
                           {"groups", hex_ids(h.groups)},
                           {"signature_algorithms", hex_ids(h.signature_algorithms)},
                           {"server_name", h.server_name},
                           {"max_fragment_length", h.max_fragment_length},
                           {"alpn", h.alpn},
                           {"session_ticket", h.session_ticket},
                           {"extensions", h.extensions}};
  }
  // The records of both directions in wire order; a message names the record its header came in.
  const auto wire = records_in_wire_order(c);
  json records = json::array();
  for (const auto& [from_server, index] : wire) {
    const auto& r = (from_server ? c.records_sent : c.records_received)[index];
    records.push_back({{"from", from_server ? "server" : "client"},
                       {"at_ms", rounded_ms(r.at_ms)},
                       {"type", content_type_name(r.content_type)},
                       {"length", r.length},
                       {"encrypted", r.encrypted}});
  }
  out["records"] = records;
  json transcript = json::array();
  for (const auto& m : c.transcript) {
    const auto at = std::find(wire.begin(), wire.end(), std::pair{m.from_server, m.record});
    transcript.push_back({{"from", m.from_server ? "server" : "client"},
                          {"type", tls::handshake_type_name(m.type)},
                          {"length", m.length},
                          {"record", at - wire.begin()},
                          {"at_ms", rounded_ms(m.at_ms)}});
  }
  out["transcript"] = transcript;
  json alerts = json::array();
  for (const auto& a : c.alerts) {
    alerts.push_back({{"from", a.from_server ? "server" : "client"},
                      {"level", a.level},
                      {"description", a.description},
                      {"name", tls::alert_name(a.description)},
                      {"at_ms", rounded_ms(a.at_ms)}});
  }
  out["alerts"] = alerts;
  out["end_ms"] = rounded_ms(c.end_ms);
  out["client_reset"] = c.client_reset;
  if (!c.pcap_path.empty()) out["pcap"] = c.pcap_path;
  if (!c.key_log_path.empty()) out["key_log"] = c.key_log_path;
  return out;
}

namespace {

json network_json(const device::NetworkState& n) {
  auto optional = [](const auto& value) { return value ? json(*value) : json(nullptr); };
  return {{"start", n.start},
          {"phy_address", optional(n.phy_address)},
          {"link_up", n.link_up},
          {"speed_mbps", optional(n.speed_mbps)},
          {"full_duplex", n.full_duplex},
          {"link_up_at_ms", optional(n.link_up_at_ms)},
          {"address_ready", n.address_ready},
          {"dropped_frames", n.dropped_frames}};
}

}  // namespace

json to_json(const CellResult& r) {
  const auto& expect = r.cell.expect_on(r.target);
  json expected = {{"result", expect.result == scenario::Expectation::Result::kPass ? "pass" : "fail"}};
  if (expect.finding) expected["finding"] = diagnosis::finding_name(*expect.finding);
  if (expect.error) expected["error_code"] = device::format_code(*expect.error);

  json out = {
      {"scenario", r.scenario},
      {"target", r.target},
      {"mbedtls_line", r.cell.mbedtls_line},
      {"mbedtls", r.build.mbedtls_version},
      {"profile", r.cell.profile},
      {"config_hash", r.build.profile_hash},
      {"expected", expected},
      {"verdict", verdict_name(r.verdict)},
  };
  if (!r.why.empty()) out["why"] = r.why;
  out["seconds"] = r.seconds;
  out["attempts"] = r.attempts;
  if (!r.ran_on.host.empty()) out["ran_on"] = {{"host", r.ran_on.host}, {"device", r.ran_on.device}};
  if (!r.earlier_attempts.empty()) out["earlier_attempts"] = r.earlier_attempts;
  if (!r.artifacts_dir.empty()) out["artifacts"] = r.artifacts_dir.string();
  out["device_log"] = r.device_log;
  if (r.verdict == Verdict::kInfrastructureError) return out;

  const auto* primary = r.primary_finding();
  out["result"] = r.report.passed() ? "pass" : "fail";
  out["finding"] = primary != nullptr ? json(diagnosis::finding_name(primary->id)) : json(nullptr);
  out["error_code"] = device::format_code(r.report.result);
  out["error_name"] = r.report.result_name;
  out["failed_call"] = r.report.failed_call;
  out["stage"] = tls::stage_name(r.report.stage);
  out["alerts"] = {{"sent", alerts_json(r.report.alerts_sent)}, {"received", alerts_json(r.report.alerts_received)}};
  out["verify_flags"] = device::verify_flag_names(r.report.verify_flags);
  out["version"] = r.report.version;
  out["suite"] = r.report.suite;
  out["group"] = r.report.group_id != 0 ? json(tls::group_name(r.report.group_id)) : json(nullptr);
  out["peak_heap_bytes"] = r.report.heap_peak;
  if (r.fix_check) {
    const auto& f = *r.fix_check;
    auto optional = [](const auto& v) { return v ? json(*v) : json(nullptr); };
    out["fix_verification"] = {{"change", f.change},
                               {"outcome", f.outcome},
                               {"result", f.result},
                               {"finding", f.finding},
                               {"flash_before", optional(f.flash_before)},
                               {"flash_after", optional(f.flash_after)},
                               {"ram_before", optional(f.ram_before)},
                               {"ram_after", optional(f.ram_after)},
                               {"heap_before", optional(f.heap_before)},
                               {"heap_after", optional(f.heap_after)}};
  }
  out["peak_stack_bytes"] = r.report.stack_peak != 0 ? json(r.report.stack_peak) : json(nullptr);
  out["handshake_ms"] = r.report.duration_ms;
  if (!r.report.connect_failure.empty()) out["connect_failure"] = r.report.connect_failure;
  if (r.report.network) out["network"] = network_json(*r.report.network);
  out["bytes"] = {{"sent", r.report.bytes_sent}, {"received", r.report.bytes_received}};
  // Bytes of the reply to the first request after the handshake; null: the scenario made no exchange.
  out["exchange_reply_bytes"] = r.report.reply_bytes ? json(*r.report.reply_bytes) : json(nullptr);
  if (r.report.dropped.any()) {  // past the host's caps on a device's output
    out["dropped"] = {{"log_lines", r.report.dropped.log_lines},
                      {"log_bytes", r.report.dropped.log_bytes},
                      {"peer_certificates", r.report.dropped.peer_certificates}};
  }
  // Log frames lost (or repeated) on the device link: the findings do not read the log, so the
  // verdict stands, but device.log is not all the device said.
  if (r.report.log_incomplete()) {
    out["device_log_incomplete"] = {{"lines_sent", *r.report.log_lines_sent},
                                    {"lines_received", r.report.log_lines_received}};
  }
  json findings = json::array();
  for (const auto& f : r.findings) {
    findings.push_back(
        {{"id", diagnosis::finding_name(f.id)}, {"summary", f.summary}, {"evidence", f.evidence}, {"fix", f.fix}});
  }
  out["findings"] = findings;
  json chain = json::array();
  for (const auto& pc : r.report.peer_chain) {
    chain.push_back({{"depth", pc.depth},
                     {"subject", pc.subject},
                     {"issuer", pc.issuer},
                     {"key", fmt::format("{} {}", pc.key_type, pc.key_bits)},
                     {"signature_md", pc.signature_md},
                     {"verify_flags", device::verify_flag_names(pc.verify_flags)}});
  }
  out["peer_chain"] = chain;
  if (r.capture) out["server"] = to_json(*r.capture);
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error(fmt::format("{}: cannot write", tmp));
  }
  std::filesystem::rename(tmp, path);
}

Result<void> save_cell_artifacts(const std::filesystem::path& dir, const CellResult& r) {
  try {
    std::filesystem::create_directories(dir);
    std::string log;
    for (const auto& line : r.device_log) log += line + "\n";
    write_file(dir / "device.log", log);
    write_file(dir / "result.json", json_text(to_json(r)) + "\n");
    return {};
  } catch (const std::exception& e) {
    return infrastructure_error(fmt::format("cannot keep the cell's artifacts in {}: {}", dir.string(), e.what()));
  }
}

void write_json(const std::filesystem::path& path, const std::vector<CellResult>& results, bool interrupted) {
  std::vector<json> cells;
  cells.reserve(results.size());
  for (const auto& r : results) cells.push_back(to_json(r));
  write_json(path, cells, interrupted);
}

json results_document(const std::vector<json>& cells, const RunFacts& run) {
  json doc = {{"results", cells}};
  size_t counts[3] = {};
  for (const auto& cell : cells) {
    const auto verdict = parse_verdict(cell.value("verdict", ""));
    ++counts[static_cast<int>(verdict.value_or(Verdict::kInfrastructureError))];
  }
  doc["summary"] = {{"cells", cells.size()},
                    {"as_expected", counts[0]},
                    {"unexpected", counts[1]},
                    {"infrastructure_errors", counts[2]},
                    {"interrupted", run.interrupted}};
  if (!run.started.empty()) doc["summary"]["started"] = run.started;
  if (run.seconds) doc["summary"]["seconds"] = std::round(*run.seconds * 10) / 10;
  if (run.exit_status) doc["summary"]["exit_status"] = *run.exit_status;
  doc["summary"].update(run_identity(run));
  if (!run.merged_from.empty()) doc["summary"]["merged_from"] = run.merged_from;
  if (run.missing) doc["summary"]["missing"] = *run.missing;
  return doc;
}

json run_identity(const RunFacts& run) {
  json out = json::object();
  if (!run.build.empty()) out["shakedown"] = run.build;
  if (run.plan) {
    out["plan"] = {{"cells", run.plan->cells}, {"hash", run.plan->hash}};
    if (!run.plan->ids.empty()) out["plan"]["ids"] = run.plan->ids;
  }
  if (run.shard) out["shard"] = run.shard->text();
  return out;
}

void write_document(const std::filesystem::path& path, const json& document) {
  write_file(path, json_text(document) + "\n");
}

void write_json(const std::filesystem::path& path, const std::vector<json>& cells, bool interrupted) {
  write_document(path, results_document(cells, {.interrupted = interrupted}));
}

std::string string_field(const json& object, const char* field) {
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
}

}  // namespace shakedown::runner
