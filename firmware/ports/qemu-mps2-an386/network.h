#pragma once
// The board's network: lwIP over the LAN9118 with QEMU slirp's static
// addressing (guest 10.0.2.15/24, gateway 10.0.2.2). With restrict=on the
// guest reaches only what the host forwards (guestfwd), e.g. the test
// server at 10.0.2.100.

#include <lwip/netif.h>

#include "shakedown/lwip/lwip_transport.h"

namespace shakedown::qemu {

class QemuNetwork final : public lwip::NetworkPoller {
 public:
  // Brings up lwIP and the interface. ok() false if the NIC is missing.
  QemuNetwork();
  bool ok() const { return ok_; }
  // Receives what arrived and runs lwIP's timers.
  void poll() override;

 private:
  netif netif_{};
  bool ok_ = false;
};

}  // namespace shakedown::qemu
