#pragma once
// Load-time checks of a plan against the builds its cells run on. Mbed
// TLS's ssl_client2 refuses a forced suite its build lacks; the device would
// instead leave it out of its ClientHello (sending only the SCSV when none
// is left), so a run refuses such a cell before any cell runs.

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "matrix.h"

namespace shakedown::runner {

// A build's suites, or why they could not be read (targets::sim_build_suites).
using BuildSuites = std::function<std::variant<std::vector<uint16_t>, std::string>(const std::string& mbedtls_line,
                                                                                   const std::string& profile)>;

struct BuildCheck {
  // One per (scenario, build) whose client names a suite the build lacks:
  // "FILE:LINE: ...", naming the suites and the build.
  std::vector<std::string> refusals;
  // One per build whose suites could not be read: its cells run unchecked.
  std::vector<std::string> unchecked;
};

BuildCheck check_client_suites(const std::vector<PlannedCell>& cells, const BuildSuites& suites_of);

}  // namespace shakedown::runner
