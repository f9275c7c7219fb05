#pragma once
// Target: where a client build runs a handshake (the simulator, QEMU, a
// board). The runner asks a target for one handshake per cell; how the
// target boots and reaches its device is its own business. A target that is
// missing, crashes, hangs or speaks garbage reports an infrastructure error,
// never a result.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "client_report.h"
#include "device_client.h"

namespace shakedown::targets {

struct HandshakeRequest {
  std::string mbedtls_line;
  std::string profile;
  uint16_t server_port = 0;       // the test server, on 127.0.0.1
  std::vector<uint8_t> ca_chain;  // PEM with its NUL, or DER
  device::DeviceConfig config;
  std::chrono::milliseconds deadline{30'000};  // for the whole exchange
};

struct HandshakeOutcome {
  std::optional<std::string> infrastructure_error;  // set: no result
  device::ClientReport report;
  device::BuildFacts build;
  std::vector<std::string> device_log;  // Mbed TLS debug lines and agent events
};

class Target {
 public:
  virtual ~Target() = default;
  // "sim", "qemu": the target column of the results.
  virtual std::string name() const = 0;
  virtual bool has_build(const std::string& mbedtls_line, const std::string& profile) const = 0;
  // Why has_build() is false, for the results: which build is missing where.
  virtual std::string missing_build(const std::string& mbedtls_line, const std::string& profile) const = 0;
  virtual HandshakeOutcome handshake(const HandshakeRequest& request) const = 0;
};

}  // namespace shakedown::targets
