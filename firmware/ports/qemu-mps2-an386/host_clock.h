#pragma once
// Clock seam on the host's monotonic clock, read by semihosting (SYS_ELAPSED
// and SYS_TICKFREQ; QEMU counts nanoseconds from its start).
//
// Why not SysTick, as the board uses: QEMU delivers the guest's timer ticks
// only when its vCPU thread runs, so on a busy host the guest's millisecond
// count falls behind (a third or more at a load of 13 on two cores). A 500 ms
// read timeout then outlasted a test server's 1.5 s stall and the cell passed
// where the board times out. A scenario's timeouts and stalls are wall-clock
// terms on both sides of the link, so the device measures them on the clock
// the test server uses.

#include <cstdint>

#include "shakedown/core/clock.h"

namespace shakedown::qemu {

class HostClock final : public core::Clock {
 public:
  uint64_t monotonic_ms() override;
  std::optional<int64_t> wall_time_s() override { return std::nullopt; }  // set by the host (kConfigure)
};

// The same milliseconds, for code outside the seams (lwIP's sys_now, Mbed
// TLS's ms time). Exits with FatalExit::kInitFailed if QEMU cannot tell the
// time (semihosting off).
uint64_t host_uptime_ms();

}  // namespace shakedown::qemu
