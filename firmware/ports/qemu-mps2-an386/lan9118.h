#pragma once
// Polled driver for the SMSC LAN9118 Ethernet controller at 0x40200000, as
// QEMU's mps2 boards emulate it: an lwIP netif without interrupts. QEMU
// aborts on any register or MAC CSR it does not model, so this touches only
// the ones named in lan9118.cc.

struct netif;

namespace shakedown::qemu {

// Resets the chip, checks it is there, and starts TX and RX. Returns false
// if no LAN9118 answers. Use as netif_add()'s init function's helper.
bool lan9118_start(netif& nif);
// Moves every received frame into lwIP (nif.input). Call often.
void lan9118_poll(netif& nif);

}  // namespace shakedown::qemu
