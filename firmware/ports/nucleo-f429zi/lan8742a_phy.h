#pragma once
// The NUCLEO-F429ZI's LAN8742A PHY on the Ethernet MAC's MDIO bus: found by
// address, reset into auto-negotiation, and asked what link it negotiated.
// Every MDIO transfer is bounded (a few ms) and needs the MAC's clock on;
// the waits are measured on cortex_m::uptime_ms, so the SysTick must run.

#include <cstdint>

namespace shakedown::nucleo {

struct PhyLink {
  bool up = false;          // link up and auto-negotiation done
  uint16_t speed_mbps = 0;  // 10 or 100 when up, else 0
  bool full_duplex = false;
};

// Scans MDIO addresses 0-31 for the PHY and keeps the address it found for
// every later call. False if nothing answers.
bool phy_find();
// The address phy_find() kept; agent::kNoPhyAddress before it found one.
uint8_t phy_address();

// Puts the PHY in "all capable, auto-negotiation enabled" mode, soft-resets
// it (waiting up to 500 ms for it to leave reset) and starts
// auto-negotiation. False if it did not answer or never left reset.
bool phy_start();

// The link as the PHY reports it now: up only once auto-negotiation is
// complete, then with the speed and duplex it settled on. A link that
// dropped since the last call reads down once (the status bit latches low).
PhyLink phy_link();

// One register of the found PHY over MDIO; 0xffff on timeout or without a
// PHY (what an empty MDIO address reads too).
uint16_t phy_read(uint32_t reg);
// False on timeout or without a PHY.
bool phy_write(uint32_t reg, uint16_t value);

}  // namespace shakedown::nucleo
