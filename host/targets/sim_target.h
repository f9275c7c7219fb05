#pragma once
// The simulator target: one simulator process per handshake, reached only
// through the device protocol over a loopback socket, exactly as a QEMU
// chardev or a board's UART would be. A build that is missing, crashes,
// hangs or speaks garbage is an infrastructure error, never a result.

#include <filesystem>
#include <string>

#include "target.h"

namespace shakedown::targets {

class SimTarget final : public Target {
 public:
  explicit SimTarget(std::filesystem::path build_dir);
  std::string name() const override { return "sim"; }
  bool has_build(const std::string& mbedtls_line, const std::string& profile) const override;
  std::string missing_build(const std::string& mbedtls_line, const std::string& profile) const override;
  HandshakeOutcome handshake(const HandshakeRequest& request) const override;

 private:
  std::filesystem::path build_dir_;
};

}  // namespace shakedown::targets
