// The attached target: one device that already speaks the device protocol on
// a loopback TCP port, started by someone else (a simulator build run by hand
// with --listen, perhaps under a debugger; a board's UART bridged to a port).
// `--target attached:PORT`. It is a fixed fleet of one: cells run one after
// another on it, each after a protocol reset, and only the build it reports
// can run (a cell of another build is an infrastructure error naming both).

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "device_backend.h"
#include "pooled_target.h"
#include "target_registry.h"
#include "tcp_link.h"

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;

class AttachedDevice final : public DeviceInstance {
 public:
  explicit AttachedDevice(uint16_t port) : port_(port) {}

  std::string label() const override { return fmt::format("device at 127.0.0.1:{}", port_); }
  bool up() const override { return device_.has_value(); }

  void boot(const HandshakeRequest& request, SteadyClock::time_point deadline) override {
    if (!link_) {
      auto link = links::TcpLink::connect(port_, std::min<std::chrono::milliseconds>(5s, left_until(deadline)));
      if (!link) throw std::runtime_error(fmt::format("{}: {}", label(), link.error().message));
      link_.emplace(std::move(*link));
    }
    device_.emplace(*link_);
    const device::Banner banner = device_->sync(std::min<std::chrono::milliseconds>(5s, left_until(deadline)));
    build_ = banner.build;
    network_ = banner.network;
    if (build_.mbedtls_line != request.mbedtls_line || build_.profile != request.profile) {
      throw WrongBuild(fmt::format("{} runs Mbed TLS {} with profile {}, not the cell's {} with {}", label(),
                                   build_.mbedtls_line, build_.profile, request.mbedtls_line, request.profile));
    }
  }

  bool reset(const HandshakeRequest& request, SteadyClock::time_point deadline) override {
    try {
      device_->reset(std::min<std::chrono::milliseconds>(2s, left_until(deadline)));
    } catch (const std::exception&) {
      return false;
    }
    if (build_.mbedtls_line != request.mbedtls_line || build_.profile != request.profile) {
      throw WrongBuild(fmt::format("{} runs Mbed TLS {} with profile {}, not the cell's {} with {}", label(),
                                   build_.mbedtls_line, build_.profile, request.mbedtls_line, request.profile));
    }
    return true;
  }

  device::DeviceClient& device() override { return *device_; }
  const device::BuildFacts& build() const override { return build_; }
  std::optional<device::NetworkState> network() const override { return network_; }
  // The device is on this host: it reaches the test server directly.
  ServerEndpoint server_endpoint(const std::string& address, uint16_t port) override { return {address, port}; }

  // Hangs up; whoever started the device decides what becomes of it.
  InstanceExit stop(std::chrono::milliseconds) override {
    device_.reset();
    link_.reset();
    return {.kind = ExitKind::kStopped};
  }
  ExitKind healthy_exit() const override { return ExitKind::kStopped; }

 private:
  uint16_t port_;
  std::optional<links::TcpLink> link_;
  std::optional<device::DeviceClient> device_;
  device::BuildFacts build_;
  std::optional<device::NetworkState> network_;
};

class AttachedBackend final : public DeviceBackend {
 public:
  explicit AttachedBackend(uint16_t port) : port_(port) {}
  std::string name() const override { return "attached"; }
  // Its build is known only once it answers: a cell of another build fails at the banner.
  std::optional<std::string> unavailable(const std::string&, const std::string&) const override { return std::nullopt; }
  // It may be firmware, which has no clock: give it the host's.
  DeviceClock clock() const override { return DeviceClock::kFromHost; }
  std::vector<std::unique_ptr<DeviceInstance>> fleet() override {
    std::vector<std::unique_ptr<DeviceInstance>> one;
    one.push_back(std::make_unique<AttachedDevice>(port_));
    return one;
  }
  std::unique_ptr<DeviceInstance> make_instance(const HandshakeRequest&) override { return nullptr; }

 private:
  uint16_t port_;
};

}  // namespace

std::unique_ptr<Target> make_attached(const TargetSettings& settings) {
  if (settings.chaos) throw TargetUsageError("--chaos: takes sim or qemu, not a device attached by hand");
  const std::string_view text = settings.parameter;
  uint16_t port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port == 0) {
    throw TargetUsageError(
        fmt::format("--target attached:PORT: '{}' is not a port (the device listens on 127.0.0.1:PORT)", text));
  }
  return std::make_unique<PooledTarget>(std::make_unique<AttachedBackend>(port));
}

}  // namespace shakedown::targets
