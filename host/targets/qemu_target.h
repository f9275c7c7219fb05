#pragma once
// The QEMU target: one QEMU boot of the (Mbed TLS line, profile)'s firmware
// image per handshake, reached only through the device protocol on UART0,
// exactly as the simulator is over its socket. The guest reaches the test
// server through QEMU's user network (see QemuInstance).

#include <filesystem>
#include <string>

#include "target.h"

namespace shakedown::targets {

class QemuTarget final : public Target {
 public:
  // `image_dir` holds firmware-qemu-mps2-an386-<line>-<profile>.elf.
  // qemu-system-arm is looked up in PATH, shakedown-guestfwd-relay beside
  // the running program unless given.
  explicit QemuTarget(std::filesystem::path image_dir, std::filesystem::path relay = {});
  std::string name() const override { return "qemu"; }
  std::optional<std::string> unavailable(const std::string& mbedtls_line, const std::string& profile) const override;
  HandshakeOutcome handshake(const HandshakeRequest& request) override;

  std::filesystem::path image_path(const std::string& mbedtls_line, const std::string& profile) const;
  // Empty when found; else what is missing ("qemu-system-arm not in PATH").
  std::string missing_tools() const;

 private:
  std::filesystem::path image_dir_;
  std::filesystem::path qemu_;
  std::filesystem::path relay_;
};

// A program's full path from PATH; empty if not found.
std::filesystem::path find_in_path(const std::string& program);

}  // namespace shakedown::targets
