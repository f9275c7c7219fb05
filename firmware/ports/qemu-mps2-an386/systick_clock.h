#pragma once
// Clock seam on SysTick: a 1 ms tick from the 25 MHz core clock. The board
// has no RTC, so wall time is unset until the host sets it (kConfigure).
// Under TCG, guest time follows wall time only roughly.

#include "shakedown/core/clock.h"

namespace shakedown::qemu {

class SysTickClock final : public core::Clock {
 public:
  // Starts the tick; once per boot.
  SysTickClock();
  uint64_t monotonic_ms() override;
  std::optional<int64_t> wall_time_s() override { return std::nullopt; }
};

// Milliseconds since boot, for code outside the seams (lwIP's sys_now,
// Mbed TLS's ms time).
uint64_t uptime_ms();

}  // namespace shakedown::qemu
