#include "imported_config_cells.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <set>

namespace shakedown::cli {

std::optional<std::string> expectations_line(const std::vector<scenario::Scenario>& scenarios,
                                             const std::string& line) {
  const auto version = [](const std::string& l) {
    int major = 0, minor = 0;
    std::sscanf(l.c_str(), "%d.%d", &major, &minor);
    return std::pair(major, minor);
  };
  std::set<std::string> declared;
  for (const auto& s : scenarios) {
    for (const auto& c : s.cells) declared.insert(c.mbedtls_line);
  }
  if (declared.contains(line)) return line;
  // A line no scenario names (a user's 2.16 tree): the nearest one of its
  // major version says what to expect; on a tie the newer.
  const auto [major, minor] = version(line);
  std::optional<std::string> nearest;
  int distance = 0;
  for (const auto& d : declared) {
    const auto [d_major, d_minor] = version(d);
    if (d_major != major) continue;
    if (!nearest || std::abs(d_minor - minor) <= distance) {
      nearest = d;
      distance = std::abs(d_minor - minor);
    }
  }
  return nearest;
}

std::optional<std::string> planned_line_for(const std::vector<scenario::Scenario>& scenarios,
                                            const mbedtls_config::ImportedConfig& config) {
  const auto line = expectations_line(scenarios, config.tree.line);
  if (!line) {
    fmt::print(stderr, "shakedown: --config: no scenario says what to expect of an Mbed TLS {} device\n",
               config.tree.line);
  } else if (*line != config.tree.line) {
    fmt::print(stderr, "shakedown: --config: no scenario names Mbed TLS {}; each expects of it what it does of {}\n",
               config.tree.line, *line);
  }
  return line;
}

std::vector<runner::PlannedCell> cells_for_config(const std::vector<runner::PlannedCell>& planned,
                                                  const mbedtls_config::ImportedConfig& config,
                                                  const std::string& expect_like) {
  std::vector<runner::PlannedCell> cells;
  std::set<const scenario::Scenario*> seen;
  for (const auto& p : planned) {
    if (!seen.insert(p.scenario).second) continue;
    scenario::Cell cell{.mbedtls_line = config.tree.line, .profile = config.name};
    for (const auto& named : p.scenario->cells) {
      if (named.mbedtls_line == p.cell.mbedtls_line && named.profile == expect_like) {
        cell.expect = named.expect;
        cell.on_target = named.on_target;
      }
    }
    cells.push_back({p.scenario, cell, runner::cell_id(*p.scenario, cell)});
  }
  return cells;
}

std::optional<mbedtls_config::ImportedConfig> import_for_run(const std::string& file,
                                                             const std::vector<std::string>& mbedtls_lines) {
  using namespace mbedtls_config;
  try {
    if (mbedtls_lines.size() > 1) {
      fmt::print(stderr, "shakedown: --config {}: one config is of one Mbed TLS line; name one --mbedtls\n", file);
      return std::nullopt;
    }
    std::string choice = "named with --mbedtls";
    const MbedtlsTree tree =
        mbedtls_lines.empty() ? guess_tree(file, built_trees(), &choice) : choose_tree(mbedtls_lines.front());
    return import_config(file, tree, choice);
  } catch (const ConfigError& e) {
    fmt::print(stderr, "shakedown: --config {}\n", e.what());
  } catch (const TreeError& e) {
    fmt::print(stderr, "shakedown: --config {}: {}\n", file, e.what());
  }
  return std::nullopt;
}

std::optional<ConfigBuilds> build_for_target(const mbedtls_config::ImportedConfig& config, const std::string& target) {
  std::optional<builds::BuildKind> image;
  if (target == "qemu") image = builds::BuildKind::kQemuImage;
  if (target == "board") image = builds::BuildKind::kNucleoImage;
  if (target != "sim" && !image) {
    fmt::print(stderr, "shakedown: --config: a device started by hand runs its own build; use sim, qemu or board\n");
    return std::nullopt;
  }
  const auto progress = [](const std::string& line) { fmt::print(stderr, "shakedown: {}\n", line); };
  try {
    ConfigBuilds made{builds::ensure_build(config, builds::BuildKind::kSimulator, progress), std::nullopt};
    if (image) made.image = builds::ensure_build(config, *image, progress);
    const auto& shown = made.image ? *made.image : made.simulator;
    fmt::print(stderr, "shakedown: --config {}: profile {} (config hash {}), Mbed TLS {}: {} {} in {:.1f} s\n",
               config.file.string(), config.name, config.hash, config.tree.version, shown.output.filename().string(),
               shown.built_now ? "built" : "built earlier", shown.seconds);
    return made;
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown: --config {}\n", e.what());
    return std::nullopt;
  }
}

}  // namespace shakedown::cli
