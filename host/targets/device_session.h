#pragma once
// What every target does with a synced device for one handshake, and the
// small helpers their error messages share.

#include <chrono>
#include <string>

#include "device_client.h"
#include "target.h"

namespace shakedown::targets {

using SteadyClock = std::chrono::steady_clock;

// Time left until `deadline`, at least 1 ms (a bound, never "no wait").
std::chrono::milliseconds left_until(SteadyClock::time_point deadline);

// The last `max` characters of a process's stderr, for a message.
std::string tail(const std::string& text, size_t max = 600);

// Configures the device with `config`, uploads the request's CA chain, runs
// the handshake against address:port and closes the session, filling the
// outcome's report and log; all within `deadline`, and each wait cut short
// by request.stop. Throws what DeviceClient throws: the caller turns it into
// an infrastructure error.
void run_handshake_exchange(device::DeviceClient& device, const HandshakeRequest& request,
                            const device::DeviceConfig& config, const std::string& address, uint16_t port,
                            SteadyClock::time_point deadline, HandshakeOutcome& outcome);

}  // namespace shakedown::targets
