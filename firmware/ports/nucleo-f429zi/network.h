#pragma once
// The board's network: lwIP over the Ethernet MAC and LAN8742A PHY, with a
// static address or DHCP, chosen when the image is built (bench.md). The
// test server's address comes from the host with each connect request.

#include <lwip/netif.h>

#include "eth_mac.h"
#include "shakedown/lwip/lwip_transport.h"

namespace shakedown::nucleo {

struct NetworkConfig {
  bool dhcp = false;
  // Dotted quads, used when dhcp is false.
  const char* address = "192.168.7.2";
  const char* netmask = "255.255.255.0";
  const char* gateway = "192.168.7.1";
};

class NucleoNetwork final : public lwip::NetworkPoller {
 public:
  // Brings up lwIP and the interface; starts DHCP if asked. Does not wait
  // for a link or a lease: poll() moves both on.
  explicit NucleoNetwork(const NetworkConfig& config);
  EthStart status() const { return status_; }
  // Receives what arrived, follows the link, runs lwIP's timers.
  void poll() override;

 private:
  netif netif_{};
  EthStart status_ = EthStart::kNoRefClock;
  bool added_ = false;
};

}  // namespace shakedown::nucleo
