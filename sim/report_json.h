#pragma once
// The simulator's report on stdout: the core's HandshakeReport and BuildFacts
// as JSON. host/ reads it (host/targets/sim_report.cc); keep the two in step.

#include <nlohmann/json.hpp>

#include "shakedown/core/build_facts.h"
#include "shakedown/core/handshake_report.h"

namespace shakedown::sim {

nlohmann::json to_json(const core::HandshakeReport& report);
nlohmann::json to_json(const core::BuildFacts& facts);

}  // namespace shakedown::sim
