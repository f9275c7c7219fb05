#pragma once
// The device's own network as its banner and reports describe it (the
// agent's NetworkMonitor, firmware/agent/.../network_monitor.h), and which
// states leave no handshake to judge: a board whose Ethernet did not start,
// or whose link never came up, is an infrastructure failure of the bench,
// never a finding about the TLS client.

#include <cstdint>
#include <optional>
#include <string>

#include "shakedown/protocol/tlv.h"

namespace shakedown::device {

struct NetworkState {
  // "up", "no-ref-clock", "no-phy", "no-controller", "bad-address", or
  // "unknown-N" for a value this host does not know.
  std::string start = "up";
  std::optional<int> phy_address;  // MDIO address the PHY answered at
  bool link_up = false;
  std::optional<int> speed_mbps;  // once auto-negotiation is done
  bool full_duplex = false;
  std::optional<uint32_t> link_up_at_ms;  // device uptime at the first link-up
  bool address_ready = false;
  uint32_t dropped_frames = 0;
};

// Reads the TLV at `r` into `state` if it is one of network_tag's; false
// when the tag is another (the caller's own) one.
bool read_network_tag(const protocol::TlvReader& r, NetworkState& state);

// Why the device cannot reach a test server, when its Ethernet did not
// start; nullopt when it did.
std::optional<std::string> network_not_started(const NetworkState& state);

// One line for people: "Ethernet up, PHY at MDIO address 0, link up at
// 100 Mbit/s full duplex 2310 ms after boot, address bound, 0 frames dropped".
std::string describe(const NetworkState& state);

// The connect status a report carries (report_tag::kConnectStatus, the
// core's IoStatus): "refused", "timed-out", "no-link", ...
std::string connect_status_name(uint8_t status);

}  // namespace shakedown::device
