#include "cross_check.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/version.h"

namespace shakedown::runner {
namespace {

constexpr uint8_t kAuthRequired = 2;
constexpr uint8_t kFatal = 2;

// The report's own contradictions: what no completed handshake can show.
std::vector<std::string> report_contradictions(const device::ClientReport& report, uint8_t auth_mode) {
  std::vector<std::string> out;
  for (const auto& alert : report.alerts_received) {
    if (alert.level == kFatal) out.push_back(fmt::format("it also received fatal alert {}", alert.description));
  }
  if (report.bytes_received == 0) out.push_back("it received no bytes from the server");
  if (auth_mode == kAuthRequired && report.verify_flags != 0) {
    out.push_back(fmt::format("it verifies certificates (auth_mode required) yet reports verify flags 0x{:08x}",
                              report.verify_flags));
  }
  return out;
}

uint16_t suite_id_of(const std::string& iana_name) {
  const auto suites = tls::all_cipher_suites();
  const auto it = std::find_if(suites.begin(), suites.end(), [&](const auto& s) { return s.iana_name == iana_name; });
  return it == suites.end() ? 0 : it->id;
}

// Where the server's view of the connection differs from the report's.
std::vector<std::string> server_disagreements(const device::ClientReport& report,
                                              const std::optional<servers::ConnectionCapture>& capture) {
  if (!capture) return {"the test server saw no finished connection"};
  if (capture->end != servers::ConnectionEnd::kHandshakeDone) {
    return {fmt::format("the test server's handshake ended otherwise: {}{}", servers::connection_end_name(capture->end),
                        capture->verdict.empty() ? "" : " (" + capture->verdict + ")")};
  }
  std::vector<std::string> out;
  if (tls::parse_version(report.version) != tls::parse_version(capture->negotiated_version)) {
    out.push_back(fmt::format("the server negotiated {}, the device reports {}", capture->negotiated_version,
                              report.version.empty() ? "no version" : report.version));
  }
  if (const uint16_t server_suite = suite_id_of(capture->negotiated_suite); server_suite != report.suite_id) {
    out.push_back(fmt::format("the server negotiated {} ({:04x}), the device reports suite {:04x}",
                              capture->negotiated_suite, server_suite, report.suite_id));
  }
  return out;
}

}  // namespace

std::optional<std::string> disbelieved_pass(const device::ClientReport& report, uint8_t auth_mode,
                                            const std::optional<servers::ConnectionCapture>* capture) {
  if (!report.passed()) return std::nullopt;
  std::vector<std::string> why = report_contradictions(report, auth_mode);
  if (capture != nullptr) {
    for (auto& d : server_disagreements(report, *capture)) why.push_back(std::move(d));
  }
  if (why.empty()) return std::nullopt;
  return fmt::format("the device reports a completed handshake ({} {:04x}), but {}: no verdict from a report that "
                     "contradicts the connection",
                     report.version.empty() ? "no version" : report.version, report.suite_id, fmt::join(why, "; "));
}

}  // namespace shakedown::runner
