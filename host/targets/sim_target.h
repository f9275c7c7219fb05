#pragma once
// The simulator target: simulator builds reached only through the device
// protocol over a loopback socket, exactly as a QEMU chardev or a board's
// UART would be. SimBackend is what it does differently from the other
// targets (device_backend.h); PooledTarget drives it. A running build
// serves one handshake after another, as a board does (reset, configure,
// connect, close); idle builds wait in a pool per (line, profile). A build
// that is missing, crashes, hangs or speaks garbage is an infrastructure
// error, never a result.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "chaos_link.h"
#include "device_backend.h"
#include "pooled_target.h"

namespace shakedown::targets {

class SimBackend final : public DeviceBackend {
 public:
  // `build_dir` holds shakedown-sim-<line>-<profile>. With `chaos`, every
  // simulator's link goes through its faults.
  explicit SimBackend(std::filesystem::path build_dir, std::shared_ptr<links::ChaosSource> chaos = nullptr)
      : build_dir_(std::move(build_dir)), chaos_(std::move(chaos)) {}
  std::string name() const override { return "sim"; }
  std::optional<std::string> unavailable(const std::string& mbedtls_line, const std::string& profile) const override;
  // The simulator reads the host's clock itself.
  DeviceClock clock() const override { return DeviceClock::kOwn; }
  std::unique_ptr<DeviceInstance> make_instance(const HandshakeRequest& request) override;

 private:
  std::filesystem::path build_dir_;
  std::shared_ptr<links::ChaosSource> chaos_;
};

struct SimTargetOptions {
  // false: a new simulator process per handshake (slower; for isolating a
  // suspected leak of state from one handshake into the next).
  bool reuse_instances = true;
  // Set: faults on every simulator's link (`--chaos`).
  std::shared_ptr<links::ChaosSource> chaos;
};

// PooledTarget over SimBackend, named for its callers.
class SimTarget final : public PooledTarget {
 public:
  explicit SimTarget(std::filesystem::path build_dir, SimTargetOptions options = {})
      : PooledTarget(std::make_unique<SimBackend>(std::move(build_dir), std::move(options.chaos)),
                     PoolOptions{.reuse_instances = options.reuse_instances}) {}
  bool has_build(const std::string& mbedtls_line, const std::string& profile) const {
    return !unavailable(mbedtls_line, profile);
  }
};

}  // namespace shakedown::targets
