#pragma once
// The QEMU target: the (Mbed TLS line, profile)'s firmware image booted
// under QEMU, reached only through the device protocol on UART0, exactly as
// the simulator is over its socket. The guest reaches the test server
// through QEMU's user network (see QemuInstance). QemuBackend is what it
// does differently from the other targets (device_backend.h); PooledTarget
// drives it. As with the simulator, a booted image serves one handshake
// after another (reset, configure, connect, close), and idle ones wait in a
// pool per (line, profile). A QEMU that dies, or one that stops answering,
// is an infrastructure error for the handshake under way, and the next one
// boots afresh.

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "chaos_link.h"
#include "device_backend.h"
#include "pooled_target.h"

namespace shakedown::targets {

class QemuBackend final : public DeviceBackend {
 public:
  // `image_dir` holds firmware-qemu-mps2-an386-<line>-<profile>.elf.
  // qemu-system-arm is looked up in PATH, shakedown-guestfwd-relay beside
  // the running program unless given. Set `traffic_dir`: each boot's UART0
  // traffic is recorded there (qemu-<line>-<profile>-<n>.traffic). With
  // `chaos`, every boot's link goes through its faults. Boots keep their
  // work folders in `scratch_dir` (empty: $TMPDIR).
  QemuBackend(std::filesystem::path image_dir, std::filesystem::path relay, std::filesystem::path traffic_dir,
              std::shared_ptr<links::ChaosSource> chaos = nullptr, std::filesystem::path scratch_dir = {});

  std::string name() const override { return "qemu"; }
  std::optional<std::string> unavailable(const std::string& mbedtls_line, const std::string& profile) const override;
  // Firmware has no clock of its own.
  DeviceClock clock() const override { return DeviceClock::kFromHost; }
  std::unique_ptr<DeviceInstance> make_instance(const HandshakeRequest& request) override;

  std::filesystem::path image_path(const std::string& mbedtls_line, const std::string& profile) const;
  // Empty when found; else what is missing ("qemu-system-arm not in PATH").
  std::string missing_tools() const;

 private:
  friend class QemuDevice;
  std::filesystem::path image_dir_;
  std::filesystem::path qemu_;
  std::filesystem::path relay_;
  std::filesystem::path traffic_dir_;
  std::shared_ptr<links::ChaosSource> chaos_;
  std::filesystem::path scratch_dir_;
  std::atomic<unsigned> boots_{0};
};

struct QemuTargetOptions {
  // false: a QEMU boot per handshake (slower; for isolating a suspected leak
  // of state from one handshake into the next).
  bool reuse_instances = true;
  // Idle boots kept across all builds. An idle guest polls its UART and
  // network and so burns host CPU; beyond this many, the one given back is
  // stopped, so idle guests never starve the running ones (whose clocks
  // then run slow and time out).
  size_t max_idle = 2;
  // Set: each boot's UART0 traffic is recorded in this folder, one
  // transcript per boot (qemu-<line>-<profile>-<n>.traffic).
  std::filesystem::path traffic_dir;
  // Set: faults on every boot's link (`--chaos`).
  std::shared_ptr<links::ChaosSource> chaos;
  // The run's folder for temporary files: each boot's work folder goes
  // there; empty: $TMPDIR.
  std::filesystem::path scratch_dir;
};

// PooledTarget over QemuBackend, named for its callers.
class QemuTarget final : public PooledTarget {
 public:
  explicit QemuTarget(std::filesystem::path image_dir, std::filesystem::path relay = {}, QemuTargetOptions options = {})
      : PooledTarget(std::make_unique<QemuBackend>(std::move(image_dir), std::move(relay), options.traffic_dir,
                                                   std::move(options.chaos), options.scratch_dir),
                     PoolOptions{.reuse_instances = options.reuse_instances, .max_idle = options.max_idle}) {}

  std::filesystem::path image_path(const std::string& mbedtls_line, const std::string& profile) const {
    return qemu().image_path(mbedtls_line, profile);
  }
  std::string missing_tools() const { return qemu().missing_tools(); }

 private:
  const QemuBackend& qemu() const { return static_cast<const QemuBackend&>(backend()); }
};

}  // namespace shakedown::targets
