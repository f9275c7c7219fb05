#include "qemu_target.h"

#include <unistd.h>

#include <fmt/format.h>

#include <chrono>

#include "qemu_instance.h"
#include "subprocess.h"

namespace shakedown::targets {

using namespace std::chrono_literals;

namespace {
constexpr auto kReset = 2s;  // for a reused instance to acknowledge reset
}  // namespace

// One build's QEMU, booted on boot() and replaced by a new boot on the next.
class QemuDevice final : public DeviceInstance {
 public:
  QemuDevice(QemuBackend& backend, std::filesystem::path image) : backend_(backend), image_(std::move(image)) {}

  std::string label() const override { return "qemu " + image_.filename().string(); }
  bool up() const override { return qemu_ && !stopped_; }

  void boot(const HandshakeRequest& request, SteadyClock::time_point) override {
    if (up()) qemu_->stop(0ms);  // died while idle, or hangs
    qemu_.reset();
    stopped_ = false;
    QemuOptions boot{.qemu = backend_.qemu_,
                     .relay = backend_.relay_,
                     .image = image_,
                     .server_port = request.server_port,
                     .chaos = backend_.chaos_.get(),
                     .scratch_dir = backend_.scratch_dir_};
    if (!backend_.traffic_dir_.empty()) {
      boot.traffic_transcript = backend_.traffic_dir_ / fmt::format("qemu-{}-{}-{}.traffic", request.mbedtls_line,
                                                                    request.profile, ++backend_.boots_);
    }
    qemu_ = std::make_unique<QemuInstance>(boot);
    const device::BuildFacts& build = qemu_->banner().build;
    if (build.mbedtls_line != request.mbedtls_line || build.profile != request.profile) {
      throw WrongBuild(fmt::format("firmware {} says it is Mbed TLS {} with {}", image_.filename().string(),
                                   build.mbedtls_line, build.profile));
    }
  }

  bool reset(const HandshakeRequest&, SteadyClock::time_point deadline) override {
    try {
      qemu_->device().reset(std::min<std::chrono::milliseconds>(kReset, left_until(deadline)));
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

  device::DeviceClient& device() override { return qemu_->device(); }
  const device::BuildFacts& build() const override { return qemu_->banner().build; }
  std::optional<device::NetworkState> network() const override { return qemu_->banner().network; }

  // The guestfwd's relay reads the server from a file at each guest
  // connection: rewritten per cell, the one boot serves server after server.
  ServerEndpoint server_endpoint(const std::string& address, uint16_t server_port) override {
    qemu_->set_server(address, server_port);
    return {kGuestServerAddress, kGuestServerPort};
  }

  InstanceExit stop(std::chrono::milliseconds timeout) override {
    if (!qemu_) return {};
    stopped_ = true;
    return qemu_->stop(timeout);
  }
  // A healthy image runs until it is stopped.
  ExitKind healthy_exit() const override { return ExitKind::kStopped; }
  std::string describe(const InstanceExit& exit) const override { return "QEMU " + to_string(exit); }
  std::string stderr_text() override { return qemu_ ? qemu_->stderr_text() : ""; }

 private:
  QemuBackend& backend_;
  std::filesystem::path image_;
  std::unique_ptr<QemuInstance> qemu_;  // kept after stop() for its exit and stderr
  bool stopped_ = false;
};

QemuBackend::QemuBackend(std::filesystem::path image_dir, std::filesystem::path relay,
                         std::filesystem::path traffic_dir, std::shared_ptr<links::ChaosSource> chaos,
                         std::filesystem::path scratch_dir)
    : image_dir_(std::move(image_dir)),
      qemu_(process::find_in_path("qemu-system-arm")),
      relay_(std::move(relay)),
      traffic_dir_(std::move(traffic_dir)),
      chaos_(std::move(chaos)),
      scratch_dir_(std::move(scratch_dir)) {
  if (relay_.empty()) {
    std::error_code ec;
    relay_ = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "shakedown-guestfwd-relay";
  }
}

std::filesystem::path QemuBackend::image_path(const std::string& mbedtls_line, const std::string& profile) const {
  return image_dir_ / fmt::format("firmware-qemu-mps2-an386-{}-{}.elf", mbedtls_line, profile);
}

std::string QemuBackend::missing_tools() const {
  if (qemu_.empty()) return "qemu-system-arm not in PATH (apt-get install qemu-system-arm)";
  if (::access(relay_.c_str(), X_OK) != 0) return relay_.string() + " is missing (it is built with shakedown)";
  return "";
}

std::optional<std::string> QemuBackend::unavailable(const std::string& mbedtls_line, const std::string& profile) const {
  if (auto tools = missing_tools(); !tools.empty()) return tools;
  if (std::filesystem::exists(image_path(mbedtls_line, profile))) return std::nullopt;
  return fmt::format(
      "no firmware image for Mbed TLS {} with profile {}: {} (build preset qemu, or pass --firmware-dir)", mbedtls_line,
      profile, image_path(mbedtls_line, profile).string());
}

std::unique_ptr<DeviceInstance> QemuBackend::make_instance(const HandshakeRequest& request) {
  return std::make_unique<QemuDevice>(*this, image_path(request.mbedtls_line, request.profile));
}

}  // namespace shakedown::targets
