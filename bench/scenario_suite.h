#pragma once
// The scenarios a benchmark program runs.

#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "scenario_loader.h"

namespace shakedown::bench {

// The scenarios in a file or folder; nullopt, having said why on stderr,
// when one does not load (the program then exits 3, as `shakedown run` does).
inline std::optional<std::vector<scenario::Scenario>> load_suite(const std::string& path) {
  try {
    return scenario::load_scenarios(path);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return std::nullopt;
  }
}

}  // namespace shakedown::bench
