#include "build_check.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "shakedown/tls/cipher_suite.h"

namespace shakedown::runner {

BuildCheck check_client_suites(const std::vector<PlannedCell>& cells, const BuildSuites& suites_of) {
  std::map<std::pair<std::string, std::string>, std::variant<std::vector<uint16_t>, std::string>> builds;
  std::set<std::tuple<const scenario::Scenario*, std::string, std::string>> checked;
  BuildCheck check;
  for (const auto& planned : cells) {
    const scenario::Scenario& s = *planned.scenario;
    const auto& wanted = s.client.device.ciphersuites;
    const auto build = std::make_pair(planned.cell.mbedtls_line, planned.cell.profile);
    if (wanted.empty() || !checked.emplace(&s, build.first, build.second).second) continue;
    auto it = builds.find(build);
    if (it == builds.end()) {
      it = builds.emplace(build, suites_of(build.first, build.second)).first;
      if (const auto* why = std::get_if<std::string>(&it->second)) {
        check.unchecked.push_back(
            fmt::format("client suites on Mbed TLS {} {} go unchecked: {}", build.first, build.second, *why));
      }
    }
    if (std::holds_alternative<std::string>(it->second)) continue;
    const std::string where = fmt::format("{}:{}: client.ciphersuites", s.file.string(), s.client.ciphersuites_line);
    const auto& has = std::get<std::vector<uint16_t>>(it->second);
    std::vector<std::string> missing;
    for (uint16_t id : wanted) {
      if (std::find(has.begin(), has.end(), id) == has.end()) missing.push_back(tls::describe_suite(id));
    }
    if (!missing.empty()) {
      check.refusals.push_back(
          fmt::format("{}: the build Mbed TLS {} {} has no {} (its suites: shakedown-sim --mbedtls "
                      "{} --profile {} --version); drop the cell from expect or the suite from the "
                      "client",
                      where, build.first, build.second, fmt::join(missing, ", "), build.first, build.second));
    }
  }
  return check;
}

}  // namespace shakedown::runner
