#include "sim_target.h"

#include <fmt/format.h>

#include "device_session.h"
#include "sim_builds.h"

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;
using Clock = SteadyClock;

constexpr auto kExit = 5s;   // for the simulator to exit once the host hangs up
constexpr auto kReset = 2s;  // for a reused instance to acknowledge reset

}  // namespace

SimTarget::SimTarget(std::filesystem::path build_dir, SimTargetOptions options)
    : build_dir_(std::move(build_dir)), options_(options) {}

SimTarget::~SimTarget() {
  shut_down();
}

std::optional<std::string> SimTarget::unavailable(const std::string& line, const std::string& profile) const {
  if (std::filesystem::exists(sim::sim_build_path(build_dir_, line, profile))) return std::nullopt;
  return fmt::format(
      "no simulator build for Mbed TLS {} with profile {} (is firmware/configs/{}.h there, and the line among "
      "SHAKEDOWN_MBEDTLS_SOURCE_DIRS?)",
      line, profile, profile);
}

HandshakeOutcome SimTarget::handshake(const HandshakeRequest& req) {
  HandshakeOutcome outcome;
  const auto exe = sim::sim_build_path(build_dir_, req.mbedtls_line, req.profile);
  const auto deadline = Clock::now() + req.deadline;
  const std::string name = exe.filename().string();
  const IdlePool<SimInstance>::BuildKey key{req.mbedtls_line, req.profile};

  // A reused instance is reset first; one that does not take the reset is
  // dropped (its earlier handshake already has its result) and a fresh one
  // started instead.
  std::unique_ptr<SimInstance> sim = options_.reuse_instances ? idle_.take(key) : nullptr;
  if (sim) {
    try {
      sim->device().reset(kReset);
    } catch (const std::exception&) {
      sim->stop(0s);
      sim.reset();
    }
  }
  try {
    if (!sim) {
      sim = std::make_unique<SimInstance>(exe);
      const device::BuildFacts& build = sim->banner().build;
      if (build.mbedtls_line != req.mbedtls_line || build.profile != req.profile) {
        outcome.infrastructure_error =
            fmt::format("simulator {} says it is Mbed TLS {} with {}", name, build.mbedtls_line, build.profile);
        sim->stop(0s);
        return outcome;
      }
    }
    outcome.build = sim->banner().build;
    run_handshake_exchange(sim->device(), req, req.config, "127.0.0.1", req.server_port, deadline, outcome);
  } catch (const std::exception& e) {
    const std::string exit = sim ? sim->stop(kExit) : "";
    const std::string err = sim ? sim->process().stderr_text() : "";
    outcome.infrastructure_error =
        fmt::format("simulator {}: {}{}{}", name, e.what(), exit.empty() ? "" : " (" + exit + ")",
                    err.empty() ? "" : "; stderr: " + tail(err));
    return outcome;
  }
  if (options_.reuse_instances) {
    idle_.give_back(key, std::move(sim));  // no cap: never handed back
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

std::vector<std::string> SimTarget::shut_down() {
  auto idle = idle_.drain();
  std::vector<std::string> problems;
  for (auto& [key, pool] : idle) {
    for (auto& sim : pool) {
      if (std::string exit = sim->stop(kExit); exit != "exit 0") {
        const std::string& err = sim->process().stderr_text();
        problems.push_back(fmt::format("simulator shakedown-sim-{}-{} {} when the run ended{}", key.first, key.second,
                                       exit, err.empty() ? "" : "; stderr: " + tail(err)));
      }
    }
  }
  return problems;
}

}  // namespace shakedown::targets
