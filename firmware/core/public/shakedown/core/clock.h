#pragma once
// Clock seam: elapsed time for timeouts and durations, and the wall time
// certificates are checked against.

#include <cstdint>
#include <optional>

namespace shakedown::core {

class Clock {
 public:
  virtual ~Clock() = default;

  // Milliseconds since an arbitrary start; never goes backwards.
  virtual uint64_t monotonic_ms() = 0;

  // Seconds since the Unix epoch, or nullopt while the device has no time
  // (no RTC, no SNTP yet). Mbed TLS then sees time 0, as the field device
  // did ("current time: 0"), and every certificate is "not yet valid".
  virtual std::optional<int64_t> wall_time_s() = 0;
};

}  // namespace shakedown::core
