#pragma once
// Console seam on the CMSDK APB UART0 (0x40004000), polled. The host is at
// the other end of QEMU's chardev. While it waits for bytes the console
// keeps the network moving (lwIP has no thread of its own here).

#include "shakedown/agent/console.h"
#include "shakedown/core/clock.h"
#include "shakedown/lwip/lwip_transport.h"

namespace shakedown::qemu {

class UartConsole final : public agent::Console {
 public:
  // Enables the UART (QEMU's model transmits only with BAUDDIV >= 16 and
  // TX/RX enabled).
  UartConsole(core::Clock& clock, lwip::NetworkPoller& idle);
  core::IoResult read(std::span<uint8_t> out, uint32_t timeout_ms) override;
  bool write(std::span<const uint8_t> data) override;

 private:
  core::Clock& clock_;
  lwip::NetworkPoller& idle_;
};

}  // namespace shakedown::qemu
