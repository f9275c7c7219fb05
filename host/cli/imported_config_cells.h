#pragma once
// `shakedown run --config FILE`: the plan's scenarios run with a device's own
// config (imported and built on demand) instead of the profiles they name.

#include <optional>
#include <string>
#include <vector>

#include "build_cache.h"
#include "config_import.h"
#include "matrix.h"

namespace shakedown::cli {

// The line whose cells say what a config of `line` is expected to do: the
// line itself when a scenario names it, else the nearest line of the same
// major version that one names (2.16 takes 2.28's); nullopt when none does.
std::optional<std::string> expectations_line(const std::vector<scenario::Scenario>& scenarios, const std::string& line);

// expectations_line for `config`, saying on stderr when it is another line
// than the config's own, and why not when there is none (nullopt then).
std::optional<std::string> planned_line_for(const std::vector<scenario::Scenario>& scenarios,
                                            const mbedtls_config::ImportedConfig& config);

// One cell per planned scenario (plan it on expectations_line), on the
// config's own line with the config's profile. Each expects what the
// scenario expects of `expect_like` (a profile it names) on the planned
// line when given and named there, else a handshake that passes: a user's
// device is meant to connect.
std::vector<runner::PlannedCell> cells_for_config(const std::vector<runner::PlannedCell>& planned,
                                                  const mbedtls_config::ImportedConfig& config,
                                                  const std::string& expect_like);

// The imported config for --config FILE, on the one line --mbedtls names,
// else the line whose options the file uses; nullopt (having said why on
// stderr) when it does not import.
std::optional<mbedtls_config::ImportedConfig> import_for_run(const std::string& file,
                                                             const std::vector<std::string>& mbedtls_lines);

// The builds a run on `target` needs for `config`: the simulator always (the
// suites check reads it), and the QEMU image for qemu or the NUCLEO image for
// board. nullopt (having said why on stderr) when one fails or the target
// cannot take an imported config.
struct ConfigBuilds {
  builds::Build simulator;
  std::optional<builds::Build> image;
};
std::optional<ConfigBuilds> build_for_target(const mbedtls_config::ImportedConfig& config, const std::string& target);

}  // namespace shakedown::cli
