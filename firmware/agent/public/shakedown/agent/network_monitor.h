#pragma once
// NetworkMonitor seam: the state of the device's own network, sent in the
// banner and in each handshake's report, so that the host can tell a board
// whose Ethernet never came up (an infrastructure failure, named as such)
// from a handshake that failed (a result). Ports with a NIC implement it;
// the simulator, on the host's sockets, passes none.
//
// Contract: state() is cheap, never blocks and never drives the network; it
// reports what the port's last poll saw.

#include <cstdint>

namespace shakedown::agent {

// How the network controller's start-up ended. The values travel in the
// device protocol (messages.h, network_tag::kStart): never renumber.
enum class NetworkStart : uint8_t {
  kUp = 0,          // controller and PHY started (the link may still be down)
  kNoRefClock = 1,  // the MAC's DMA did not leave reset: no RMII reference clock from the PHY
  kNoPhy = 2,       // no PHY answered on MDIO at any address
  kNoController = 3,  // the network controller itself did not answer
  kBadAddress = 4,    // the build's static IPv4 settings do not parse
};

inline constexpr uint8_t kNoPhyAddress = 0xff;
inline constexpr uint32_t kLinkNeverUp = 0xffffffffu;

struct NetworkState {
  NetworkStart start = NetworkStart::kUp;
  uint8_t phy_address = kNoPhyAddress;  // MDIO address the PHY answered at; kNoPhyAddress: none or not applicable
  bool link_up = false;
  uint16_t speed_mbps = 0;  // 10 or 100 once auto-negotiation is done; 0: not known
  bool full_duplex = false;
  uint32_t link_up_at_ms = kLinkNeverUp;  // uptime when the link first came up
  bool address_ready = false;             // an IPv4 address is bound (static, or DHCP's lease)
  uint32_t dropped_frames = 0;            // received frames lost: errors, no buffer, missed by the DMA
};

class NetworkMonitor {
 public:
  virtual ~NetworkMonitor() = default;
  virtual NetworkState state() const = 0;
};

}  // namespace shakedown::agent
