#pragma once
// The simulator target: runs one simulator build (a process per handshake)
// and reads its report. A build that is missing, crashes, hangs or writes
// something unreadable is an infrastructure error, never a result.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "client_report.h"

namespace shakedown::targets {

struct HandshakeRequest {
  std::string mbedtls_line;
  std::string profile;
  std::string server_address = "127.0.0.1";
  uint16_t server_port = 0;
  std::filesystem::path ca_file;
  std::string hostname;
  std::string time = "now";
  uint32_t read_timeout_ms = 5'000;
  std::chrono::milliseconds deadline{30'000};  // for the whole run of the target
};

struct HandshakeOutcome {
  std::optional<std::string> infrastructure_error;  // set: no result
  ClientReport report;
  BuildFacts build;
  std::string device_log;  // Mbed TLS debug lines
};

class SimTarget {
 public:
  explicit SimTarget(std::filesystem::path build_dir);
  bool has_build(const std::string& mbedtls_line, const std::string& profile) const;
  HandshakeOutcome handshake(const HandshakeRequest& request) const;

 private:
  std::filesystem::path build_dir_;
};

// Parses a simulator's JSON output; throws std::runtime_error naming the field.
void parse_sim_output(const std::string& json_text, ClientReport& report, BuildFacts& build);

}  // namespace shakedown::targets
