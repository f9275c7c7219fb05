#pragma once
// The board's network: lwIP over the Ethernet MAC and LAN8742A PHY, with a
// static address or DHCP, chosen when the image is built (bench.md). The
// test server's address comes from the host with each connect request.
// Its state (start, PHY, link, address, lost frames) is the agent's
// NetworkMonitor, sent in the banner and with each handshake's report.

#include <lwip/netif.h>

#include "shakedown/agent/network_monitor.h"
#include "shakedown/lwip/lwip_transport.h"

namespace shakedown::nucleo {

struct NetworkConfig {
  bool dhcp = false;
  // Dotted quads, used when dhcp is false.
  const char* address = "192.168.7.2";
  const char* netmask = "255.255.255.0";
  const char* gateway = "192.168.7.1";
};

class NucleoNetwork final : public lwip::NetworkPoller, public agent::NetworkMonitor {
 public:
  // Brings up lwIP and the interface; starts DHCP if asked. Does not wait
  // for a link or a lease: poll() moves both on. A static address that
  // does not parse leaves the interface down (state() says kBadAddress).
  explicit NucleoNetwork(const NetworkConfig& config);
  // Receives what arrived, follows the link, runs lwIP's timers.
  void poll() override;
  // The driver's view as of the last poll, and whether lwIP has an IPv4
  // address bound (the static one, or DHCP's lease).
  agent::NetworkState state() const override;

 private:
  netif netif_{};
  bool bad_address_ = false;
  bool added_ = false;
};

}  // namespace shakedown::nucleo
