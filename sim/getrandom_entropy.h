#pragma once
// Entropy for the simulator: the kernel's getrandom(2).

#include "shakedown/core/entropy.h"

namespace shakedown::sim {

class GetrandomEntropy final : public core::Entropy {
 public:
  bool fill(std::span<uint8_t> out) override;
};

}  // namespace shakedown::sim
