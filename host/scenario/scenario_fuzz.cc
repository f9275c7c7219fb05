// libFuzzer target: any bytes as a scenario file's text. A LoadError is the
// loader's answer to a bad file; any other exception escaping, a crash, a
// leak or undefined behaviour is a finding. A scenario that loads must hold
// what the runner relies on: at least one cell, each with a line and a
// profile, and a chain that validates (or an external server's address).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scenario_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shakedown::scenario;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const Scenario& s : parse_scenarios(text, "fuzz/scenario.yaml")) {  // `each:` expanded
      if (s.cells.empty()) __builtin_trap();
      for (const Cell& cell : s.cells) {
        if (cell.mbedtls_line.empty() || cell.profile.empty()) __builtin_trap();
      }
      if (s.peer == Scenario::Peer::kExternal) {
        if (s.external.port == 0 || s.external.host.empty()) __builtin_trap();
      } else {
        shakedown::servers::validate(s.chain);
      }
    }
  } catch (const LoadError&) {
  }
  return 0;
}
