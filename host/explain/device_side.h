#pragma once
// What a device's own side shows, explained: its report and its debug log,
// read by the rules that need no server capture (as `explain` reads a log
// alone). For a server that is not shakedown's own, whose side nobody here
// sees: `shakedown connect`, and a scenario's external server.

#include <string>
#include <vector>

#include "client_report.h"
#include "device_config.h"
#include "explain.h"

namespace shakedown::explain {

// `server` is HOST:PORT as the user named it (the tell-apart commands use it).
Explanation explain_device_side(const std::vector<std::string>& device_log, const device::ClientReport& report,
                                const device::BuildFacts& build, const device::DeviceConfig& config,
                                const std::string& server);

}  // namespace shakedown::explain
