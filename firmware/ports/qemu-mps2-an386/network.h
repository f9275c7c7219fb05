#pragma once
// The board's network: lwIP over the LAN9118 with QEMU slirp's static
// addressing (guest 10.0.2.15/24, gateway 10.0.2.2). With restrict=on the
// guest reaches only what the host forwards (guestfwd), e.g. the test
// server at 10.0.2.100. The link follows the PHY, which follows QEMU's
// monitor (set_link), so a link that comes up late behaves as a board's.

#include <lwip/netif.h>

#include "shakedown/agent/network_monitor.h"
#include "shakedown/lwip/lwip_transport.h"

namespace shakedown::qemu {

class QemuNetwork final : public lwip::NetworkPoller, public agent::NetworkMonitor {
 public:
  // Brings up lwIP and the interface. ok() false if the NIC is missing.
  QemuNetwork();
  bool ok() const { return ok_; }
  // Receives what arrived, follows the link, runs lwIP's timers.
  void poll() override;
  agent::NetworkState state() const override { return state_; }

 private:
  void follow_link();

  netif netif_{};
  bool ok_ = false;
  agent::NetworkState state_{};
  uint64_t next_link_check_ms_ = 0;
};

}  // namespace shakedown::qemu
