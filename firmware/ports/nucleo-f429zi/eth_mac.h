#pragma once
// Polled driver for the STM32F429's Ethernet MAC in RMII mode with the
// NUCLEO-F429ZI's LAN8742A PHY (lan8742a_phy.h): an lwIP netif without
// interrupts. The DMA moves frames between the MAC and descriptor rings in
// SRAM (CCM is out of its reach); eth_poll() hands what arrived to lwIP and
// follows the PHY's link. Every wait is bounded and measured on
// cortex_m::uptime_ms, so the SysTick must already run.

#include <cstdint>

#include "shakedown/agent/network_monitor.h"

struct netif;

namespace shakedown::nucleo {

// Pins, clocks, MAC, DMA rings and PHY (found on MDIO, reset,
// auto-negotiation started). Does not wait for a link: eth_poll() raises
// it once auto-negotiation is done. kUp, or why not: kNoRefClock (the DMA
// did not leave reset, or its transmit FIFO never flushed: no 50 MHz
// REF_CLK from the PHY), kNoPhy (nothing answers on MDIO, or the PHY never
// left its reset).
agent::NetworkStart eth_start(netif& nif);
// Moves every received frame into lwIP (nif.input), counts what was lost,
// and, every few hundred milliseconds, follows the PHY's link into the
// netif and the MAC's speed and duplex. Call often.
void eth_poll(netif& nif);

// What the driver knows: how eth_start() ended (kNoController until it
// has run), the PHY's address, the link as of the last check, when it
// first came up, and the received frames lost so far. address_ready is
// left false: the address is lwIP's to report.
agent::NetworkState eth_state();

}  // namespace shakedown::nucleo
