#include "device_session.h"

#include <fmt/format.h>

namespace shakedown::targets {

using namespace std::chrono_literals;

std::chrono::milliseconds left_until(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

std::string tail(const std::string& text, size_t max) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

void run_handshake_exchange(device::DeviceClient& device, const HandshakeRequest& request,
                            const device::DeviceConfig& config, const std::string& address, uint16_t port,
                            SteadyClock::time_point deadline, HandshakeOutcome& outcome) {
  // Everything but the handshake is quick on every target (a board's
  // 115200-baud line takes 0.2 s for a 2 KB chain): a request or reply lost
  // on the link must not eat the rest of a long deadline.
  constexpr auto kConfigure = 5s, kUpload = 10s, kClose = 2s;
  device.stop_waiting_on(request.stop);
  device.configure(config, std::min<std::chrono::milliseconds>(kConfigure, left_until(deadline)));
  device.upload(protocol::BlobKind::kCaChain, request.ca_chain,
                std::min<std::chrono::milliseconds>(kUpload, left_until(deadline)));
  outcome.report = device.connect(address, port, left_until(deadline), outcome.device_log);
  device.close_session(std::min<std::chrono::milliseconds>(kClose, left_until(deadline)));
  // The device never reached the server: nothing about its TLS client to judge.
  if (outcome.report.stage == tls::Stage::kConnect && outcome.report.connect_failure == "no-link") {
    const std::string state = outcome.report.network ? device::describe(*outcome.report.network) : "not reported";
    outcome.infrastructure_error =
        fmt::format("the device's network link never came up within its connect timeout ({})", state);
  }
}

}  // namespace shakedown::targets
