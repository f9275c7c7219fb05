#include "diagnosis.h"

#include <fmt/format.h>

#include <algorithm>

#include "rules.h"
#include "wording.h"

namespace shakedown::diagnosis {

std::vector<uint16_t> offered_versions(const servers::ClientHelloCapture& hello) {
  if (!hello.supported_versions.empty()) return hello.supported_versions;
  std::vector<uint16_t> out;
  for (uint16_t v = tls::wire_id(tls::Version::kTls1_0); v <= hello.legacy_version; ++v) out.push_back(v);
  return out;
}

std::vector<Finding> diagnose(const Evidence& e) {
  struct Given {
    std::vector<Finding> findings;
    Overlap overlap;
  };
  std::vector<Given> given;
  for (const Rule& rule : all_rules()) {
    if ((rule.sources == Sources::kRun && client_side_only(e)) ||
        (rule.sources == Sources::kLog && !client_side_only(e))) {
      continue;
    }
    if (auto found = rule.fires(e); !found.empty()) given.push_back({std::move(found), rule.overlap});
  }
  // Findings that replace others of the same id: drop those others.
  std::vector<FindingId> replacing;
  for (const auto& g : given) {
    if (g.overlap != Overlap::kReplacesSameIds) continue;
    for (const auto& f : g.findings) replacing.push_back(f.id);
  }
  // One finding per cause: where two rules still name one, the first stands.
  std::vector<Finding> findings;
  FindingSet given_ids;
  for (auto& g : given) {
    for (auto& f : g.findings) {
      const bool replaced =
          g.overlap == Overlap::kAdds && std::find(replacing.begin(), replacing.end(), f.id) != replacing.end();
      if (replaced || given_ids.contains(f.id)) continue;
      given_ids.add(f.id);
      findings.push_back(std::move(f));
    }
  }
  if (findings.empty() && !e.client.passed()) {
    findings.push_back(
        {FindingId::kUnexplained,
         fmt::format("No rule explains this failure: {} returned {} ({}) at {}.", e.client.failed_call,
                     device::format_code(e.client.result), e.client.result_name, tls::stage_name(e.client.stage)),
         {client_line(e)},
         "Read the device log and the server capture; then add a rule and a scenario for it."});
  }
  return findings;
}

}  // namespace shakedown::diagnosis
