#include "posix_clock.h"

#include <ctime>

namespace shakedown::sim {

uint64_t PosixClock::monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1'000'000u;
}

std::optional<int64_t> PosixClock::wall_time_s() {
  if (unset_) return std::nullopt;
  if (fixed_) return fixed_;
  return static_cast<int64_t>(::time(nullptr));
}

}  // namespace shakedown::sim
