#pragma once
// The `expect` section of a scenario: its expectations, keyed by profile and
// optionally by line, target and `each` value, made into the cells to run.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "scenario.h"

namespace shakedown::scenario {

// The expansion of `each` the cells are for: its values, and every value
// `each` lists (a key naming another expansion's value is not this one's).
struct EachValues {
  std::vector<std::string> mine, all;
};

// One cell per line in `lines` and profile the keys name; throws LoadError
// naming the file and line for a key or expectation it cannot use.
std::vector<Cell> load_cells(const std::filesystem::path& file, const YAML::Node& expect,
                             const std::vector<std::string>& lines, const EachValues& each);

}  // namespace shakedown::scenario
