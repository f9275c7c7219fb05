#pragma once
// Entropy seam on the STM32F429's true random number generator (RNG at
// 0x50060800, clocked by the PLL's 48 MHz output). Each word is taken only
// once DRDY is set and no seed or clock error (SECS, CECS) is flagged; after
// a seed error the generator is restarted and the word discarded, as RM0090
// prescribes, and given a few milliseconds to recover (at most 8 restarts
// per word). Every wait is bounded: a dead RNG makes fill() fail, and the
// client then refuses to handshake rather than run with weak keys.

#include "shakedown/core/entropy.h"

namespace shakedown::nucleo {

inline constexpr const char* kRngEntropyName = "STM32F429 RNG (true random number generator)";

class RngEntropy final : public core::Entropy {
 public:
  // Enables the RNG's clock and the generator.
  RngEntropy();
  bool fill(std::span<uint8_t> out) override;
};

// The same source for Mbed TLS's own hook (mbedtls_hardware_poll, which
// seeds PSA on 3.x). False if the RNG failed.
bool rng_fill(std::span<uint8_t> out);

}  // namespace shakedown::nucleo
