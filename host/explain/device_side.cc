#include "device_side.h"

#include <sstream>

namespace shakedown::explain {

// The rules that need no server capture, as `explain` runs them on a log
// alone, fed what the device reported (authoritative: its state, alerts,
// chain and heap) and what its log shows (the ClientHello, Mbed TLS's words
// for a record too large).
Explanation explain_device_side(const std::vector<std::string>& device_log, const device::ClientReport& report,
                                const device::BuildFacts& build, const device::DeviceConfig& config,
                                const std::string& server) {
  std::string log_text;
  for (const auto& line : device_log) log_text += line + "\n";
  LogFacts facts;
  try {
    std::istringstream in(log_text);
    facts = read_log(in, "device log");
  } catch (const NotALog&) {
    // A debug level too low to show anything: the report alone.
  }
  facts.earlier_episodes.clear();
  facts.report = report;
  facts.build = build;
  facts.hostname = config.hostname;
  facts.server = server;
  facts.time = config.time;
  facts.auth_mode = config.auth_mode;
  facts.result_known = true;
  facts.mbedtls_seen = true;     // a report, not a bare code
  facts.log.state_shown = true;  // the device reports its state
  return explain(std::move(facts));
}

}  // namespace shakedown::explain
