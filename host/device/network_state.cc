#include "network_state.h"

#include <fmt/format.h>

#include <array>

#include "shakedown/protocol/messages.h"

namespace shakedown::device {

bool read_network_tag(const protocol::TlvReader& r, NetworkState& state) {
  using namespace protocol::network_tag;
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  uint32_t u32 = 0;
  switch (r.tag()) {
    case kStart:
      if (r.get_u8(u8)) {
        // agent::NetworkStart's values.
        static constexpr std::array<const char*, 5> kNames = {"up", "no-ref-clock", "no-phy", "no-controller",
                                                              "bad-address"};
        state.start = u8 < kNames.size() ? kNames[u8] : fmt::format("unknown-{}", u8);
      }
      return true;
    case kPhyAddress:
      if (r.get_u8(u8)) state.phy_address = u8;
      return true;
    case kLinkUp:
      if (r.get_u8(u8)) state.link_up = u8 != 0;
      return true;
    case kSpeedMbps:
      if (r.get_u16(u16)) state.speed_mbps = u16;
      return true;
    case kFullDuplex:
      if (r.get_u8(u8)) state.full_duplex = u8 != 0;
      return true;
    case kLinkUpAtMs:
      if (r.get_u32(u32)) state.link_up_at_ms = u32;
      return true;
    case kAddressReady:
      if (r.get_u8(u8)) state.address_ready = u8 != 0;
      return true;
    case kDroppedFrames: r.get_u32(state.dropped_frames); return true;
    default: return false;
  }
}

std::optional<std::string> network_not_started(const NetworkState& state) {
  if (state.start == "up") return std::nullopt;
  if (state.start == "no-ref-clock") {
    return "its Ethernet did not start: the MAC had no RMII reference clock from the PHY (no-ref-clock)";
  }
  if (state.start == "no-phy") return "its Ethernet did not start: no PHY answered on MDIO at any address (no-phy)";
  if (state.start == "no-controller") return "its network controller did not answer (no-controller)";
  if (state.start == "bad-address") return "its image's static IPv4 settings do not parse (bad-address)";
  return fmt::format("its network did not start ({})", state.start);
}

std::string describe(const NetworkState& s) {
  std::string text = s.start == "up" ? "Ethernet up" : "Ethernet " + s.start;
  if (s.phy_address) text += fmt::format(", PHY at MDIO address {}", *s.phy_address);
  if (s.link_up) {
    text += ", link up";
    if (s.speed_mbps) text += fmt::format(" at {} Mbit/s {} duplex", *s.speed_mbps, s.full_duplex ? "full" : "half");
  } else {
    text += ", link down";
  }
  if (s.link_up_at_ms) text += fmt::format(" (first up {} ms after boot)", *s.link_up_at_ms);
  text += s.address_ready ? ", address bound" : ", no address yet";
  text += fmt::format(", {} frames dropped", s.dropped_frames);
  return text;
}

std::string connect_status_name(uint8_t status) {
  // core::IoStatus's values (firmware/core/.../transport.h).
  static constexpr std::array<const char*, 9> kNames = {"ok",      "would-block", "timed-out",   "closed", "reset",
                                                        "refused", "not-allowed", "failed", "no-link"};
  return status < kNames.size() ? kNames[status] : fmt::format("unknown-{}", status);
}

}  // namespace shakedown::device
