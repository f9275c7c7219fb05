#pragma once
// Clock seam on the Cortex-M SysTick (ARMv7-M architecture: the same timer
// on every Cortex-M4): a 1 ms tick from the core clock. Wall time is unset
// until the host sets it (kConfigure), as on a device without SNTP: none of
// our boards has a synchronised clock.

#include <cstdint>

#include "shakedown/core/clock.h"

namespace shakedown::cortex_m {

class SysTickClock final : public core::Clock {
 public:
  // Starts the tick; once per boot, after the core clock is set up. Any
  // 32-bit clock rate divided by 1000 fits SysTick's 24-bit reload.
  explicit SysTickClock(uint32_t core_clock_hz);
  uint64_t monotonic_ms() override;
  std::optional<int64_t> wall_time_s() override { return std::nullopt; }
};

// Milliseconds since the tick started, for code outside the seams (lwIP's
// sys_now, Mbed TLS's ms time, bounded waits in drivers).
uint64_t uptime_ms();

// SysTick's current-value register (counts down at the core clock), for
// ports that mix it into their test-only entropy.
uint32_t systick_value();

}  // namespace shakedown::cortex_m
