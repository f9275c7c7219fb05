#pragma once
// Target: where the device's client runs (the simulator, QEMU, a board),
// reached only through the device protocol. The runner hands it one
// handshake at a time, from several threads at once; a target that fails to
// answer reports an infrastructure error, never a handshake result.

#include <chrono>
#include <limits>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "client_report.h"
#include "device_client.h"

namespace shakedown::targets {

struct HandshakeRequest {
  std::string mbedtls_line;
  std::string profile;
  uint16_t server_port = 0;  // the test server, on 127.0.0.1
  // Empty: the cell's test server on 127.0.0.1. Else the IPv4 address of a
  // server the user named (`shakedown connect`, a scenario's external
  // server): only targets whose device reaches any address take it.
  std::string server_address;
  std::vector<uint8_t> ca_chain;  // PEM with its NUL, or DER
  device::DeviceConfig config;
  std::chrono::milliseconds deadline{30'000};  // for the whole exchange
  // A freshly booted instance rather than one reused: another attempt after
  // the device link failed.
  bool fresh_instance = false;
  // Once requested (the run is stopping), the handshake gives up promptly:
  // its waits for the device and for a free instance end, and the outcome
  // is an infrastructure error, never a result.
  std::stop_token stop;
};

// Where a cell ran: the host the device hangs off (this one, or a bench
// host reached over the network) and the device, as its label names it.
struct RanOn {
  std::string host;
  std::string device;
};

struct HandshakeOutcome {
  std::optional<std::string> infrastructure_error;  // set: no result
  // The error came from the device link (silent, garbled, hung up, or a
  // frame lost): another attempt on a fresh instance may get a result.
  bool device_link_failed = false;
  device::ClientReport report;
  device::BuildFacts build;
  std::vector<std::string> device_log;  // Mbed TLS debug lines and agent events
  RanOn ran_on;                         // empty: no device was taken for it
};

// Firmware has no clock of its own: "now" becomes the host's, as SNTP
// would give it; "unset" and fixed instants pass as they are.
inline device::DeviceConfig with_host_time(device::DeviceConfig config) {
  if (config.time == "now") {
    config.time = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  }
  return config;
}

class Target {
 public:
  virtual ~Target() = default;
  // "sim", "qemu", ...: names the target in reports.
  virtual std::string name() const = 0;
  // Why this target cannot run a (line, profile) cell, e.g. a missing
  // build; nullopt when it can.
  virtual std::optional<std::string> unavailable(const std::string& mbedtls_line, const std::string& profile) const = 0;
  // One handshake against the request's server. Safe to call from
  // several threads; bounded by request.deadline, cut short by request.stop.
  virtual HandshakeOutcome handshake(const HandshakeRequest& request) = 0;
  // Stops what the target keeps running between handshakes, bounded; returns
  // problems found doing so (an instance that did not exit cleanly), for the
  // run's report. Called once, after the last handshake.
  virtual std::vector<std::string> shut_down() { return {}; }
  // How many handshakes it can run at once; more only queue (a bench of N
  // boards runs N).
  virtual unsigned max_parallel() const { return std::numeric_limits<unsigned>::max(); }
};

}  // namespace shakedown::targets
