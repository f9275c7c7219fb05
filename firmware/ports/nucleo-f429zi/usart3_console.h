#pragma once
// Console seam on USART3 (PD8 TX, PD9 RX, AF7), wired to the ST-Link's
// virtual COM port: 115200 8N1. Received bytes land in a ring buffer from
// the RX interrupt, because the main loop may be busy in lwIP or Mbed TLS
// for longer than one byte time (87 us) and the USART holds one byte only.
// While it waits for bytes the console keeps the network moving (lwIP has
// no thread of its own here).

#include "shakedown/agent/console.h"
#include "shakedown/core/clock.h"
#include "shakedown/lwip/lwip_transport.h"

namespace shakedown::nucleo {

inline constexpr uint32_t kConsoleBaud = 115'200;

class Usart3Console final : public agent::Console {
 public:
  // Configures the pins and the USART and enables its RX interrupt.
  Usart3Console(core::Clock& clock, lwip::NetworkPoller& idle);
  core::IoResult read(std::span<uint8_t> out, uint32_t timeout_ms) override;
  bool write(std::span<const uint8_t> data) override;

  // Bytes lost because the ring was full or the USART overran.
  static uint32_t dropped();

 private:
  core::Clock& clock_;
  lwip::NetworkPoller& idle_;
};

}  // namespace shakedown::nucleo
