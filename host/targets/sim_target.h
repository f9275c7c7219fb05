#pragma once
// The simulator target: simulator builds reached only through the device
// protocol over a loopback socket, exactly as a QEMU chardev or a board's
// UART would be. A running build serves one handshake after another, as a
// board does (reset, configure, connect, close); idle builds wait in a pool
// per (line, profile). A build that is missing, crashes, hangs or speaks
// garbage is an infrastructure error, never a result.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "idle_pool.h"
#include "sim_instance.h"
#include "target.h"

namespace shakedown::targets {

struct SimTargetOptions {
  // false: a new simulator process per handshake (slower; for isolating a
  // suspected leak of state from one handshake into the next).
  bool reuse_instances = true;
};

class SimTarget final : public Target {
 public:
  explicit SimTarget(std::filesystem::path build_dir, SimTargetOptions options = {});
  ~SimTarget() override;

  std::string name() const override { return "sim"; }
  std::optional<std::string> unavailable(const std::string& mbedtls_line, const std::string& profile) const override;
  HandshakeOutcome handshake(const HandshakeRequest& request) override;
  std::vector<std::string> shut_down() override;

  bool has_build(const std::string& mbedtls_line, const std::string& profile) const {
    return !unavailable(mbedtls_line, profile);
  }

 private:
  std::filesystem::path build_dir_;
  SimTargetOptions options_;
  IdlePool<SimInstance> idle_;
};

}  // namespace shakedown::targets
