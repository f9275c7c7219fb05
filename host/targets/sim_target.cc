#include "sim_target.h"

#include <fmt/format.h>

#include "child.h"
#include "sim_builds.h"
#include "tcp_link.h"

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

HandshakeOutcome SimTarget::handshake(const HandshakeRequest& req) const {
  HandshakeOutcome outcome;
  const auto exe = sim::sim_build_path(build_dir_, req.mbedtls_line, req.profile);
  const auto deadline = Clock::now() + req.deadline;
  const std::string name = exe.filename().string();
  std::optional<process::Child> child;
  try {
    child.emplace(std::vector<std::string>{exe.string(), "--listen", "127.0.0.1:0", "--accept-timeout-ms", "10000"});
    auto line = child->read_line(kStartup);
    if (!line || !line->starts_with(kListening)) {
      outcome.infrastructure_error = fmt::format("simulator {} did not start listening: {}", name,
                                                 line ? "it said '" + *line + "'" : child->finish(0s));
      return outcome;
    }
    const auto port = static_cast<uint16_t>(std::stoi(line->substr(std::string(kListening).size())));
    std::string error;
    auto link = links::TcpLink::connect(port, kSync, error);
    if (!link) {
      outcome.infrastructure_error = fmt::format("simulator {}: {}", name, error);
      return outcome;
    }
    device::DeviceClient device(*link);
    device::Banner banner = device.sync(kSync);
    if (banner.build.mbedtls_line != req.mbedtls_line || banner.build.profile != req.profile) {
      outcome.infrastructure_error = fmt::format("simulator {} says it is Mbed TLS {} with {}", name,
                                                 banner.build.mbedtls_line, banner.build.profile);
      return outcome;
    }
    outcome.build = banner.build;
    device.configure(req.config, left_until(deadline));
    device.upload(protocol::BlobKind::kCaChain, req.ca_chain, left_until(deadline));
    outcome.report = device.connect("127.0.0.1", req.server_port, left_until(deadline), outcome.device_log);
  } catch (const std::exception& e) {
    std::string exit = child ? child->finish(kExit) : "did not start";
    outcome.infrastructure_error =
        fmt::format("simulator {}: {} ({}){}", name, e.what(), exit,
                    child && !child->stderr_text().empty() ? "; stderr: " + tail(child->stderr_text()) : "");
    return outcome;
  }
  // The link is closed: a healthy simulator exits 0 now.
  std::string exit = child->finish(kExit);
  if (exit != "exit 0") {
    outcome.infrastructure_error =
        fmt::format("simulator {} {} after its report{}", name, exit,
                    child->stderr_text().empty() ? "" : "; stderr: " + tail(child->stderr_text()));
  }
  return outcome;
}

}  // namespace shakedown::targets
