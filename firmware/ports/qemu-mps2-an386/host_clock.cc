#include "host_clock.h"

#include "semihosting.h"

namespace shakedown::qemu {

uint64_t host_uptime_ms() {
  static const uint64_t ticks_per_ms = [] {
    const uint64_t hz = semihosting_tick_frequency();
    if (hz < 1000) {
      semihosting_write("shakedown: semihosting gives no tick frequency (SYS_TICKFREQ)\n");
      semihosting_exit(static_cast<int>(FatalExit::kInitFailed));
    }
    return hz / 1000;
  }();
  const auto ticks = semihosting_elapsed_ticks();
  if (!ticks) {
    semihosting_write("shakedown: semihosting cannot tell the time (SYS_ELAPSED)\n");
    semihosting_exit(static_cast<int>(FatalExit::kInitFailed));
  }
  return *ticks / ticks_per_ms;
}

uint64_t HostClock::monotonic_ms() {
  return host_uptime_ms();
}

}  // namespace shakedown::qemu
