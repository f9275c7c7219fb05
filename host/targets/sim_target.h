#pragma once
// The simulator target: one simulator process per handshake, reached only
// through the device protocol over a loopback socket, exactly as a QEMU
// chardev or a board's UART would be. A build that is missing, crashes,
// hangs or speaks garbage is an infrastructure error, never a result.

#include <chrono>
#include <filesystem>
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

class SimTarget {
 public:
  explicit SimTarget(std::filesystem::path build_dir);
  bool has_build(const std::string& mbedtls_line, const std::string& profile) const;
  HandshakeOutcome handshake(const HandshakeRequest& request) const;

 private:
  std::filesystem::path build_dir_;
};

}  // namespace shakedown::targets
