#include "qemu_target.h"

#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <sstream>

#include "qemu_instance.h"

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kStop = 5s;
constexpr std::string_view kStackLine = "shakedown: stack peak ";

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

std::string tail(const std::string& text, size_t max = 600) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

// The firmware has no clock of its own: "now" is the host's, as SNTP would
// give it; "unset" and fixed instants pass as they are.
device::DeviceConfig with_host_time(device::DeviceConfig config) {
  if (config.time == "now") {
    config.time = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  }
  return config;
}

// The firmware reports its stack high-water per request on QEMU's stderr
// (the protocol's report has no field for it yet).
void append_stack_lines(const std::string& stderr_text, std::vector<std::string>& log) {
  std::istringstream in(stderr_text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(kStackLine)) log.push_back("qemu: " + line.substr(std::string_view("shakedown: ").size()));
  }
}

}  // namespace

std::filesystem::path find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    auto candidate = std::filesystem::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

QemuTarget::QemuTarget(std::filesystem::path image_dir, std::filesystem::path relay)
    : image_dir_(std::move(image_dir)), qemu_(find_in_path("qemu-system-arm")), relay_(std::move(relay)) {
  if (relay_.empty()) {
    std::error_code ec;
    relay_ = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "shakedown-guestfwd-relay";
  }
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
  std::optional<QemuInstance> qemu;
  try {
    qemu.emplace(QemuOptions{.qemu = qemu_, .relay = relay_, .image = image, .server_port = req.server_port});
    const device::BuildFacts& build = qemu->banner().build;
    if (build.mbedtls_line != req.mbedtls_line || build.profile != req.profile) {
      outcome.infrastructure_error =
          fmt::format("firmware {} says it is Mbed TLS {} with {}", name, build.mbedtls_line, build.profile);
      return outcome;
    }
    outcome.build = build;
    qemu->device().configure(with_host_time(req.config), left_until(deadline));
    qemu->device().upload(protocol::BlobKind::kCaChain, req.ca_chain, left_until(deadline));
    outcome.report =
        qemu->device().connect(kGuestServerAddress, kGuestServerPort, left_until(deadline), outcome.device_log);
    // The firmware writes the handshake's stack peak after its reply; one
    // more round trip makes sure the line is out before QEMU is stopped.
    qemu->device().stats(left_until(deadline));
  } catch (const std::exception& e) {
    const std::string exit = qemu ? qemu->stop(kStop) : "";
    const std::string err = qemu ? qemu->stderr_text() : "";
    outcome.infrastructure_error =
        fmt::format("qemu {}: {}{}{}", name, e.what(), exit.empty() || exit == "stopped" ? "" : " (QEMU " + exit + ")",
                    err.empty() ? "" : "; stderr: " + tail(err));
    return outcome;
  }
  // A healthy image runs until it is stopped.
  if (std::string exit = qemu->stop(kStop); exit != "stopped") {
    outcome.infrastructure_error =
        fmt::format("qemu {}: QEMU {} after the report; stderr: {}", name, exit, tail(qemu->stderr_text()));
  }
  append_stack_lines(qemu->stderr_text(), outcome.device_log);
  return outcome;
}

}  // namespace shakedown::targets
