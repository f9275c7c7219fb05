#pragma once
// Console seam on the CMSDK APB UART0 (0x40004000), polled. The host is at
// the other end of QEMU's chardev. While it waits for bytes the console
// keeps the network moving (lwIP has no thread of its own here).
//
// Output may take a faster way: QEMU's UART model costs a few microseconds
// of host time per byte (a register poll, a register write and a host
// write for each), which for the 37 KB of debug log a handshake produces is
// half the time of a scenario. When the host offers a pipe for the agent's
// output (`--device-out=PATH` on the semihosting command line), each frame
// goes there in one semihosting write; input always comes through UART0.

#include "shakedown/agent/console.h"
#include "shakedown/core/clock.h"
#include "shakedown/lwip/lwip_transport.h"

namespace shakedown::qemu {

class UartConsole final : public agent::Console {
 public:
  // Enables the UART (QEMU's model transmits only with BAUDDIV >= 16 and
  // TX/RX enabled).
  // output_handle: a semihosting handle for output, or -1 for UART0.
  UartConsole(core::Clock& clock, lwip::NetworkPoller& idle, int output_handle = -1);
  core::IoResult read(std::span<uint8_t> out, uint32_t timeout_ms) override;
  bool write(std::span<const uint8_t> data) override;

 private:
  core::Clock& clock_;
  lwip::NetworkPoller& idle_;
  int output_handle_;
};

}  // namespace shakedown::qemu
