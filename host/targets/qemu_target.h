#pragma once
// The QEMU target: the (Mbed TLS line, profile)'s firmware image booted
// under QEMU, reached only through the device protocol on UART0, exactly as
// the simulator is over its socket. The guest reaches the test server
// through QEMU's user network (see QemuInstance). As with the simulator, a
// booted image serves one handshake after another (reset, configure,
// connect, close), and idle ones wait in a pool per (line, profile). A QEMU
// that dies, or one that stops answering, is an infrastructure error for
// the handshake under way, and the next one boots afresh.

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "idle_pool.h"
#include "qemu_instance.h"
#include "target.h"

namespace shakedown::targets {

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
};

class QemuTarget final : public Target {
 public:
  // `image_dir` holds firmware-qemu-mps2-an386-<line>-<profile>.elf.
  // qemu-system-arm is looked up in PATH, shakedown-guestfwd-relay beside
  // the running program unless given.
  explicit QemuTarget(std::filesystem::path image_dir, std::filesystem::path relay = {},
                      QemuTargetOptions options = {});
  ~QemuTarget() override;
  std::string name() const override { return "qemu"; }
  std::optional<std::string> unavailable(const std::string& mbedtls_line, const std::string& profile) const override;
  HandshakeOutcome handshake(const HandshakeRequest& request) override;
  std::vector<std::string> shut_down() override;

  std::filesystem::path image_path(const std::string& mbedtls_line, const std::string& profile) const;
  // Empty when found; else what is missing ("qemu-system-arm not in PATH").
  std::string missing_tools() const;

 private:
  std::filesystem::path image_dir_;
  std::filesystem::path qemu_;
  std::filesystem::path relay_;
  QemuTargetOptions options_;
  IdlePool<QemuInstance> idle_;
  std::atomic<unsigned> boots_{0};
};

}  // namespace shakedown::targets
