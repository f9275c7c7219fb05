#pragma once
// Clock seam on SysTick: a 1 ms tick from the 168 MHz core clock. The board
// has no synchronised time (its RTC runs unset), so wall time is unset until
// the host sets it (kConfigure), as on a device without SNTP.

#include "shakedown/core/clock.h"

namespace shakedown::nucleo {

class SysTickClock final : public core::Clock {
 public:
  // Starts the tick; once per boot, after the clocks.
  SysTickClock();
  uint64_t monotonic_ms() override;
  std::optional<int64_t> wall_time_s() override { return std::nullopt; }
};

// Milliseconds since boot, for code outside the seams (lwIP's sys_now,
// Mbed TLS's ms time, bounded waits in drivers).
uint64_t uptime_ms();

}  // namespace shakedown::nucleo
