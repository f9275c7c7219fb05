#pragma once
// Console seam: the byte channel between the agent and the host. Backends:
// a socket or stdio (sim), a UART (QEMU's CMSDK UART0, the board's USART3).

#include <cstdint>
#include <span>

#include "shakedown/core/transport.h"

namespace shakedown::agent {

class Console {
 public:
  virtual ~Console() = default;

  // Reads what has arrived, up to out.size(), waiting at most timeout_ms for
  // the first byte. Returns moved(n), kTimedOut, or kClosed once the host
  // has gone (a UART never closes).
  virtual core::IoResult read(std::span<uint8_t> out, uint32_t timeout_ms) = 0;

  // Writes all of `data`, blocking as the line's speed requires. Returns
  // false if the host has gone.
  virtual bool write(std::span<const uint8_t> data) = 0;
};

}  // namespace shakedown::agent
