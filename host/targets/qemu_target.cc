#include "qemu_target.h"

#include <unistd.h>

#include <fmt/format.h>

#include <chrono>

#include "device_session.h"
#include "qemu_instance.h"
#include "subprocess.h"

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;
using Clock = SteadyClock;

constexpr auto kStop = 5s;
constexpr auto kReset = 2s;  // for a reused instance to acknowledge reset

}  // namespace

QemuTarget::QemuTarget(std::filesystem::path image_dir, std::filesystem::path relay, QemuTargetOptions options)
    : image_dir_(std::move(image_dir)),
      qemu_(process::find_in_path("qemu-system-arm")),
      relay_(std::move(relay)),
      options_(options),
      idle_(options.max_idle) {
  if (relay_.empty()) {
    std::error_code ec;
    relay_ = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "shakedown-guestfwd-relay";
  }
}

QemuTarget::~QemuTarget() {
  shut_down();
}

std::filesystem::path QemuTarget::image_path(const std::string& mbedtls_line, const std::string& profile) const {
  return image_dir_ / fmt::format("firmware-qemu-mps2-an386-{}-{}.elf", mbedtls_line, profile);
}

std::string QemuTarget::missing_tools() const {
  if (qemu_.empty()) return "qemu-system-arm not in PATH (apt-get install qemu-system-arm)";
  if (::access(relay_.c_str(), X_OK) != 0) return relay_.string() + " is missing (it is built with shakedown)";
  return "";
}

std::optional<std::string> QemuTarget::unavailable(const std::string& mbedtls_line, const std::string& profile) const {
  if (auto tools = missing_tools(); !tools.empty()) return tools;
  if (std::filesystem::exists(image_path(mbedtls_line, profile))) return std::nullopt;
  return fmt::format(
      "no firmware image for Mbed TLS {} with profile {}: {} (build preset qemu, or pass --firmware-dir)", mbedtls_line,
      profile, image_path(mbedtls_line, profile).string());
}

HandshakeOutcome QemuTarget::handshake(const HandshakeRequest& req) {
  HandshakeOutcome outcome;
  const auto image = image_path(req.mbedtls_line, req.profile);
  const auto deadline = Clock::now() + req.deadline;
  const std::string name = image.filename().string();
  const IdlePool<QemuInstance>::BuildKey key{req.mbedtls_line, req.profile};

  // A reused instance is reset first; one that does not take the reset (it
  // died while idle, or hangs) is dropped and a fresh one booted instead.
  std::unique_ptr<QemuInstance> qemu = options_.reuse_instances ? idle_.take(key) : nullptr;
  if (qemu) {
    try {
      qemu->device().reset(kReset);
    } catch (const std::exception&) {
      qemu->stop(0ms);
      qemu.reset();
    }
  }
  try {
    if (!qemu) {
      QemuOptions boot{.qemu = qemu_, .relay = relay_, .image = image, .server_port = req.server_port};
      if (!options_.traffic_dir.empty()) {
        boot.traffic_transcript =
            options_.traffic_dir / fmt::format("qemu-{}-{}-{}.traffic", req.mbedtls_line, req.profile, ++boots_);
      }
      qemu = std::make_unique<QemuInstance>(boot);
      const device::BuildFacts& build = qemu->banner().build;
      if (build.mbedtls_line != req.mbedtls_line || build.profile != req.profile) {
        outcome.infrastructure_error =
            fmt::format("firmware {} says it is Mbed TLS {} with {}", name, build.mbedtls_line, build.profile);
        qemu->stop(0ms);
        return outcome;
      }
    }
    outcome.build = qemu->banner().build;
    qemu->set_server_port(req.server_port);
    run_handshake_exchange(qemu->device(), req, with_host_time(req.config), kGuestServerAddress, kGuestServerPort, deadline, outcome);
  } catch (const std::exception& e) {
    const std::string exit = qemu ? qemu->stop(kStop) : "";
    const std::string err = qemu ? qemu->stderr_text() : "";
    outcome.infrastructure_error =
        fmt::format("qemu {}: {}{}{}", name, e.what(), exit.empty() || exit == "stopped" ? "" : " (QEMU " + exit + ")",
                    err.empty() ? "" : "; stderr: " + tail(err));
    return outcome;
  }
  if (options_.reuse_instances) {
    // Over the cap, it is stopped: the next cell of this build boots afresh.
    if (auto spare = idle_.give_back(key, std::move(qemu))) spare->stop(kStop);
    return outcome;
  }
  // A healthy image runs until it is stopped.
  if (std::string exit = qemu->stop(kStop); exit != "stopped") {
    outcome.infrastructure_error =
        fmt::format("qemu {}: QEMU {} after the report; stderr: {}", name, exit, tail(qemu->stderr_text()));
  }
  return outcome;
}

std::vector<std::string> QemuTarget::shut_down() {
  auto idle = idle_.drain();
  std::vector<std::string> problems;
  for (auto& [key, pool] : idle) {
    for (auto& qemu : pool) {
      if (std::string exit = qemu->stop(kStop); exit != "stopped") {
        const std::string& err = qemu->stderr_text();
        problems.push_back(fmt::format("qemu {}: QEMU {} when the run ended{}",
                                       image_path(key.first, key.second).filename().string(), exit,
                                       err.empty() ? "" : "; stderr: " + tail(err)));
      }
    }
  }
  return problems;
}

}  // namespace shakedown::targets
