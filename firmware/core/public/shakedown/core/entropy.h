#pragma once
// Entropy seam: the seed for the client's random generator.
// Backends: getrandom (sim), the RNG peripheral (board), and a test-only
// generator on QEMU, which emulates no RNG.

#include <cstdint>
#include <span>

namespace shakedown::core {

class Entropy {
 public:
  virtual ~Entropy() = default;

  // Fills all of `out` with unpredictable bytes, blocking until done, or
  // returns false if the source failed.
  virtual bool fill(std::span<uint8_t> out) = 0;

  // True for sources that are not fit for production (reported in banners).
  virtual bool test_only() const { return false; }
};

}  // namespace shakedown::core
