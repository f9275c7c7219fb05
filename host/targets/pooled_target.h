#pragma once
// PooledTarget: the one driver of every target. It owns the lifecycle of a
// handshake (take an instance from the pool or make one, reset it or boot
// it, check its banner, point it at the cell's server, run the exchange,
// give it back, or stop and drop it if it misbehaved), the pool, and the
// wording of infrastructure errors; what a simulator, QEMU or a board does
// differently is its DeviceBackend's (device_backend.h). Anything going
// wrong on the way is an infrastructure error for that cell, never a result.

#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device_backend.h"
#include "instance_pool.h"
#include "target.h"

namespace shakedown::targets {

struct PoolOptions {
  // false: a fresh instance per handshake, stopped after it and checked to
  // have ended healthily (slower; for isolating a suspected leak of state
  // from one handshake into the next). A fixed fleet always reuses.
  bool reuse_instances = true;
  // On-demand instances kept idle, across all builds; beyond it the one
  // given back is stopped.
  size_t max_idle = std::numeric_limits<size_t>::max();
};

class PooledTarget : public Target {
 public:
  explicit PooledTarget(std::unique_ptr<DeviceBackend> backend, PoolOptions options = {});
  ~PooledTarget() override;

  std::string name() const override { return backend_->name(); }
  std::optional<std::string> unavailable(const std::string& mbedtls_line, const std::string& profile) const override {
    return backend_->unavailable(mbedtls_line, profile);
  }
  HandshakeOutcome handshake(const HandshakeRequest& request) override;
  std::vector<std::string> shut_down() override;
  unsigned max_parallel() const override;

 protected:
  const DeviceBackend& backend() const { return *backend_; }

 private:
  // Ends a handshake's use of `instance`: back to the pool, or stopped.
  void give_back(const BuildKey& key, std::unique_ptr<DeviceInstance> instance, HandshakeOutcome& outcome);
  // Back to a fixed fleet whatever its state (it boots again next time);
  // an on-demand instance that misbehaved is dropped.
  void drop(const BuildKey& key, std::unique_ptr<DeviceInstance> instance);

  std::unique_ptr<DeviceBackend> backend_;
  PoolOptions options_;
  InstancePool pool_;
};

}  // namespace shakedown::targets
