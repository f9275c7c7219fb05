#include "sim_target.h"

#include <fmt/format.h>

#include "sim_builds.h"
#include "sim_instance.h"

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;

constexpr auto kSimReset = 2s;  // for a reused instance to acknowledge reset

// One simulator build's process, started on boot() and replaced by a new
// one on the next boot().
class SimDevice final : public DeviceInstance {
 public:
  SimDevice(std::filesystem::path executable, links::ChaosSource* chaos)
      : executable_(std::move(executable)), chaos_(chaos) {}

  std::string label() const override { return "simulator " + executable_.filename().string(); }
  bool up() const override { return sim_ && !stopped_; }

  void boot(const HandshakeRequest& request, SteadyClock::time_point) override {
    if (up()) sim_->stop(0s);  // wedged: its earlier handshake already has its result
    sim_.reset();
    stopped_ = false;
    sim_ = std::make_unique<SimInstance>(executable_, chaos_);
    const device::BuildFacts& build = sim_->banner().build;
    if (build.mbedtls_line != request.mbedtls_line || build.profile != request.profile) {
      throw WrongBuild(fmt::format("simulator {} says it is Mbed TLS {} with {}", executable_.filename().string(),
                                   build.mbedtls_line, build.profile));
    }
  }

  bool reset(const HandshakeRequest&, SteadyClock::time_point deadline) override {
    try {
      sim_->device().reset(std::min<std::chrono::milliseconds>(kSimReset, left_until(deadline)));
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

  device::DeviceClient& device() override { return sim_->device(); }
  const device::BuildFacts& build() const override { return sim_->banner().build; }
  std::optional<device::NetworkState> network() const override { return sim_->banner().network; }
  // The simulator's sockets are the host's: it reaches any address.
  ServerEndpoint server_endpoint(const std::string& address, uint16_t port) override { return {address, port}; }

  InstanceExit stop(std::chrono::milliseconds timeout) override {
    if (!up()) return {};
    stopped_ = true;
    return sim_->stop(timeout);
  }
  // A healthy simulator exits 0 once the host hangs up.
  ExitKind healthy_exit() const override { return ExitKind::kCleanExit; }
  std::string stderr_text() override { return sim_ ? sim_->process().stderr_text() : ""; }

 private:
  std::filesystem::path executable_;
  links::ChaosSource* chaos_ = nullptr;  // the backend's, if any
  std::unique_ptr<SimInstance> sim_;     // kept after stop() for its exit and stderr
  bool stopped_ = false;
};

}  // namespace

std::optional<std::string> SimBackend::unavailable(const std::string& line, const std::string& profile) const {
  if (std::filesystem::exists(sim::sim_build_path(build_dir_, line, profile))) return std::nullopt;
  return fmt::format(
      "no simulator build for Mbed TLS {} with profile {} (is firmware/configs/{}.h there, and the line among "
      "SHAKEDOWN_MBEDTLS_SOURCE_DIRS?)",
      line, profile, profile);
}

std::unique_ptr<DeviceInstance> SimBackend::make_instance(const HandshakeRequest& request) {
  return std::make_unique<SimDevice>(sim::sim_build_path(build_dir_, request.mbedtls_line, request.profile),
                                     chaos_.get());
}

}  // namespace shakedown::targets
