#include "check_command.h"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stop_token>

#include "fix_verification.h"
#include "imported_config_cells.h"
#include "pki.h"
#include "scenario_loader.h"
#include "shakedown/errors/exit_codes.h"
#include "sim_target.h"

namespace shakedown::cli {
namespace {

namespace fs = std::filesystem;

// A scenario every profile it names is expected to fail: a server no
// device should accept (an expired chain, a wrong name). Its failure is
// the config doing its job.
bool refused_by_design(const scenario::Scenario& s) {
  if (s.cells.empty()) return false;
  for (const auto& c : s.cells) {
    if (c.expect.result == scenario::Expectation::Result::kPass) return false;
  }
  return true;
}

struct Cause {
  std::vector<const runner::CellResult*> cells;
};

}  // namespace

int check_command(const CheckArgs& args) {
  using exit_codes::kAllAsExpected, exit_codes::kUnexpected, exit_codes::kInfrastructure, exit_codes::kUsage;
  std::vector<fs::path> paths(args.paths.begin(), args.paths.end());
  if (paths.empty()) paths.push_back(SHAKEDOWN_SCENARIOS_DIR);
  std::vector<scenario::Scenario> scenarios;
  try {
    scenarios = scenario::load_scenarios(paths);
  } catch (const scenario::LoadError& e) {
    fmt::print(stderr, "shakedown: {}\n", e.what());
    return kUsage;
  }
  // Only servers this run starts: a scenario naming a server elsewhere is left out.
  std::erase_if(scenarios, [](const auto& s) { return s.peer == scenario::Scenario::Peer::kExternal; });

  const auto config = import_for_run(args.config_file, args.mbedtls_lines);
  if (!config) return kUsage;
  const auto made = build_for_target(*config, "sim");
  if (!made) return kUsage;
  const auto planned_line = planned_line_for(scenarios, *config);
  if (!planned_line) return kUsage;
  const auto cells = cells_for_config(runner::plan(scenarios, {.mbedtls_lines = {*planned_line}}), *config, "");

  targets::SimTarget target(made->simulator.dir);
  const runner::RunnerOptions options{.pki_cache = servers::default_pki_cache(),
                                      .profile_files = {{config->name, args.config_file}}};
  const runner::Runner runner(options, target);
  auto results = runner::run_matrix(runner, cells, std::max(1u, args.jobs), std::stop_token{});
  target.shut_down();

  size_t talks = 0, infrastructure = 0;
  std::vector<const runner::CellResult*> refused;
  // By the primary finding and its fix: one group per change that would
  // help (a suite mismatch with another suite is another group).
  std::map<std::pair<std::string, std::string>, Cause> causes;
  std::map<std::string, const scenario::Scenario*> scenario_of;
  for (const auto& c : cells) scenario_of[c.scenario->name] = c.scenario;
  for (const auto& r : results) {
    if (r.verdict == runner::Verdict::kInfrastructureError) {
      ++infrastructure;
    } else if (r.report.passed()) {
      ++talks;
    } else if (refused_by_design(*scenario_of.at(r.scenario))) {
      refused.push_back(&r);
    } else {
      const auto* f = r.primary_finding();
      causes[{std::string(diagnosis::finding_name(f ? f->id : diagnosis::FindingId::kUnexplained)), f ? f->fix : ""}]
          .cells.push_back(&r);
    }
  }

  // Each cause's fix, verified on its first cell and priced.
  std::vector<runner::CellResult> representatives;
  for (const auto& [id, cause] : causes) representatives.push_back(*cause.cells.front());
  verify_fixes(representatives, cells, *config, std::nullopt, options);

  size_t cannot = 0;
  for (const auto& [id, cause] : causes) cannot += cause.cells.size();
  fmt::print("{}: profile {} on Mbed TLS {}, against {} servers of the catalogue\n", args.config_file, config->name,
             config->tree.version, results.size());
  fmt::print("  talks to {}\n", talks);
  fmt::print("  refuses {} that every profile refuses (servers no device should accept)\n", refused.size());
  fmt::print("  cannot talk to {}, by cause:\n", cannot);
  nlohmann::json out = {{"config", args.config_file},          {"profile", config->name},
                        {"config_hash", config->hash},         {"mbedtls", config->tree.version},
                        {"servers", results.size()},           {"talks_to", talks},
                        {"refused_by_design", refused.size()}, {"infrastructure_errors", infrastructure}};
  out["cannot_talk_to"] = nlohmann::json::array();
  size_t i = 0;
  for (const auto& [key, cause] : causes) {
    const auto& id = key.first;
    const auto& first = *cause.cells.front();
    const auto& check = *representatives[i++].fix_check;
    std::vector<std::string> names;
    for (const auto* r : cause.cells) names.push_back(r->scenario);
    const auto* finding = first.primary_finding();
    const std::string price = price_of(check);
    fmt::print("\n  {} ({} server{}): {}\n", id, cause.cells.size(), cause.cells.size() == 1 ? "" : "s",
               fmt::join(names, ", "));
    if (finding) fmt::print("    e.g. {}\n    fix: {}\n", finding->summary, finding->fix);
    fmt::print("    {}{}\n", check.change.empty() ? "not a config change" : check.change + ": " + check.outcome,
               price.empty() ? "" : "; " + price);
    out["cannot_talk_to"].push_back({{"cause", id},
                                     {"servers", names},
                                     {"fix", finding ? finding->fix : ""},
                                     {"change", check.change},
                                     {"outcome", check.outcome},
                                     {"price", price}});
  }
  if (infrastructure > 0) fmt::print("\n  {} cells did not answer (infrastructure errors)\n", infrastructure);
  if (!args.json_path.empty()) std::ofstream(args.json_path) << out.dump(2) << "\n";
  if (infrastructure > 0) return kInfrastructure;
  return cannot > 0 ? kUnexpected : kAllAsExpected;
}

}  // namespace shakedown::cli
