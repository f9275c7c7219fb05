#pragma once
// Polled driver for the STM32F429's Ethernet MAC in RMII mode with the
// NUCLEO-F429ZI's LAN8742A PHY (MDIO address 0): an lwIP netif without
// interrupts. The DMA moves frames between the MAC and descriptor rings in
// SRAM (CCM is out of its reach); poll() hands what arrived to lwIP and
// follows the PHY's link.

#include <cstdint>

struct netif;

namespace shakedown::nucleo {

enum class EthStart : uint8_t {
  kOk,
  kNoRefClock,  // the DMA did not leave reset: no 50 MHz REF_CLK from the PHY
  kNoPhy,       // nothing answers on MDIO at address 0
};

// Pins, clocks, MAC, DMA rings and PHY (reset, auto-negotiation started).
// Does not wait for a link: poll() raises it when the cable is in.
EthStart eth_start(netif& nif);
// Moves every received frame into lwIP (nif.input) and, every few hundred
// milliseconds, the PHY's link state into the netif and the MAC's speed and
// duplex. Call often.
void eth_poll(netif& nif);

// Reads a PHY register over MDIO (bounded; 0xffff on timeout).
uint16_t phy_read(uint32_t reg);

}  // namespace shakedown::nucleo
