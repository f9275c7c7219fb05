#pragma once
// Polled driver for the SMSC LAN9118 Ethernet controller at 0x40200000, as
// QEMU's mps2 boards emulate it: an lwIP netif without interrupts. QEMU
// aborts on any register or MAC CSR it does not model, so this touches only
// the ones named in lan9118.cc.

#include <cstdint>

struct netif;

namespace shakedown::qemu {

// Resets the chip, checks it is there, and starts TX and RX. Returns false
// if no LAN9118 answers. Use as netif_add()'s init function's helper. The
// netif's link stays down until lan9118_link() says otherwise.
bool lan9118_start(netif& nif);

struct Lan9118Link {
  bool up = false;
  uint16_t speed_mbps = 0;  // the best mode both ends advertise; 0 while down
  bool full_duplex = false;
};
// The internal PHY's link, read over MII (QEMU follows its monitor's
// set_link here). A few register accesses: call it every so often, not in
// every poll.
Lan9118Link lan9118_link();
// Moves every received frame into lwIP (nif.input). Call often. False if
// none had arrived.
bool lan9118_poll(netif& nif);

}  // namespace shakedown::qemu
