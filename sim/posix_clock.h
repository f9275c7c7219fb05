#pragma once
// Clock for the simulator: CLOCK_MONOTONIC, and a wall time that follows the
// host's, is pinned to a chosen instant, or is unset (a device without SNTP).

#include <optional>

#include "shakedown/core/clock.h"

namespace shakedown::sim {

class PosixClock final : public core::Clock {
 public:
  struct Unset {};
  PosixClock() = default;  // follows the host's wall clock
  explicit PosixClock(Unset) : unset_(true) {}
  explicit PosixClock(int64_t fixed_wall_time_s) : fixed_(fixed_wall_time_s) {}

  uint64_t monotonic_ms() override;
  std::optional<int64_t> wall_time_s() override;

 private:
  bool unset_ = false;
  std::optional<int64_t> fixed_;
};

}  // namespace shakedown::sim
