#pragma once
// INSECURE, TEST-ONLY entropy: QEMU's mps2 boards emulate no RNG, so this
// stretches guessable boot-time values (timer readings) with a
// non-cryptographic mixer. Fit for exercising handshakes against test
// servers, never for protecting anything; test_only() says so, and the banner
// names it. A real board uses its RNG peripheral.

#include "shakedown/core/entropy.h"

namespace shakedown::qemu {

inline constexpr const char* kTestOnlyEntropyName = "INSECURE test-only entropy (QEMU emulates no RNG)";

class TestOnlyEntropy final : public core::Entropy {
 public:
  bool fill(std::span<uint8_t> out) override;
  bool test_only() const override { return true; }
};

// The same generator for Mbed TLS's own hooks (mbedtls_hardware_poll, which
// seeds PSA on 3.x).
void test_only_entropy_fill(std::span<uint8_t> out);

}  // namespace shakedown::qemu
