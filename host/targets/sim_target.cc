#include "sim_target.h"

#include <fmt/format.h>

#include "sim_builds.h"
#include "sim_instance.h"

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kStartup = 10s;  // until the simulator listens
constexpr auto kSync = 5s;
constexpr auto kExit = 5s;  // for the simulator to exit once the host hangs up
constexpr const char* kListening = "listening on 127.0.0.1:";

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

std::string tail(const std::string& text, size_t max = 600) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

}  // namespace

SimTarget::SimTarget(std::filesystem::path build_dir) : build_dir_(std::move(build_dir)) {}

bool SimTarget::has_build(const std::string& mbedtls_line, const std::string& profile) const {
  return std::filesystem::exists(sim::sim_build_path(build_dir_, mbedtls_line, profile));
}

std::string SimTarget::missing_build(const std::string& mbedtls_line, const std::string& profile) const {
  return fmt::format(
      "no simulator build for Mbed TLS {} with profile {} (is firmware/configs/{}.h there, and "
      "the line among SHAKEDOWN_MBEDTLS_SOURCE_DIRS?)",
      mbedtls_line, profile, profile);
}

HandshakeOutcome SimTarget::handshake(const HandshakeRequest& req) const {
  HandshakeOutcome outcome;
  const auto exe = sim::sim_build_path(build_dir_, req.mbedtls_line, req.profile);
  const auto deadline = Clock::now() + req.deadline;
  const std::string name = exe.filename().string();
  std::optional<SimInstance> sim;
  try {
    sim.emplace(exe);
    const device::BuildFacts& build = sim->banner().build;
    if (build.mbedtls_line != req.mbedtls_line || build.profile != req.profile) {
      outcome.infrastructure_error =
          fmt::format("simulator {} says it is Mbed TLS {} with {}", name, build.mbedtls_line, build.profile);
      return outcome;
    }
    outcome.build = build;
    sim->device().configure(req.config, left_until(deadline));
    sim->device().upload(protocol::BlobKind::kCaChain, req.ca_chain, left_until(deadline));
    outcome.report = sim->device().connect("127.0.0.1", req.server_port, left_until(deadline), outcome.device_log);
  } catch (const std::exception& e) {
    const std::string exit = sim ? sim->stop(kExit) : "";
    const std::string err = sim ? sim->process().stderr_text() : "";
    outcome.infrastructure_error =
        fmt::format("simulator {}: {}{}{}", name, e.what(), exit.empty() ? "" : " (" + exit + ")",
                    err.empty() ? "" : "; stderr: " + tail(err));
    return outcome;
  }
  // A healthy simulator exits 0 once the host hangs up.
  if (std::string exit = sim->stop(kExit); exit != "exit 0") {
    const std::string& err = sim->process().stderr_text();
    outcome.infrastructure_error =
        fmt::format("simulator {} {} after its report{}", name, exit, err.empty() ? "" : "; stderr: " + tail(err));
  }
  return outcome;
}

}  // namespace shakedown::targets
