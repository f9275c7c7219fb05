#include "test_only_entropy.h"

#include "mmio.h"
#include "systick_clock.h"

namespace shakedown::qemu {
namespace {

constexpr uintptr_t kLan9118FreeRun = 0x40200000 + 0x9c;  // 25 MHz free-running counter

// splitmix64: a mixer, not a cryptographic generator.
uint64_t mix(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ull;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

void test_only_entropy_fill(std::span<uint8_t> out) {
  static uint64_t state = 0;
  // Fold in whatever varies from run to run (host timing under TCG).
  state ^= (uint64_t{read_reg(kLan9118FreeRun)} << 32) ^ cortex_m::systick_value() ^ cortex_m::uptime_ms();
  for (size_t i = 0; i < out.size(); i += 8) {
    uint64_t value = mix(state);
    for (size_t j = 0; j < 8 && i + j < out.size(); ++j) out[i + j] = static_cast<uint8_t>(value >> (8 * j));
  }
}

bool TestOnlyEntropy::fill(std::span<uint8_t> out) {
  test_only_entropy_fill(out);
  return true;
}

}  // namespace shakedown::qemu
