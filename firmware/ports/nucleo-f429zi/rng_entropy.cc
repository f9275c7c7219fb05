#include "rng_entropy.h"

#include <cstring>

#include "stm32f429.h"
#include "systick_clock.h"

namespace shakedown::nucleo {
namespace {

constexpr uintptr_t kBase = 0x50060800;
constexpr uintptr_t kCr = kBase + 0x00, kSr = kBase + 0x04, kDr = kBase + 0x08;
constexpr uint32_t kCrRngEn = 1u << 2;
constexpr uint32_t kSrDrdy = 1u << 0, kSrCecs = 1u << 1, kSrSecs = 1u << 2, kSrCeis = 1u << 5, kSrSeis = 1u << 6;
// A word takes 40 periods of the 48 MHz clock (under 1 us); this bound is
// several milliseconds even at 168 MHz.
constexpr int kReadyRounds = 200'000;
// Seed errors are rare; this many in one fill means the source is broken.
constexpr int kMaxRestarts = 8;
// A healthy restarted generator has a word within microseconds; one that
// faults again never does, so each restart waits this long for it, and
// the restarts span milliseconds, not the microseconds of a tight loop.
constexpr uint32_t kRestartSettleMs = 2;

void start() {
  set_bits(rcc::kAhb2Enr, rcc::kRng);
  (void)read_reg(rcc::kAhb2Enr);
  set_bits(kCr, kCrRngEn);
}

// RM0090 24.3.2's recovery from a seed error: clear SEIS, then clear and set
// RNGEN to restart the generator. Then waits until it has a word and no
// seed error, bounded by the clock and by a round count (should the
// SysTick not run); the caller checks the status again either way.
void restart_after_seed_error() {
  clear_bits(kSr, kSrSeis);
  clear_bits(kCr, kCrRngEn);
  set_bits(kCr, kCrRngEn);
  const uint64_t deadline = cortex_m::uptime_ms() + kRestartSettleMs + 1;
  for (int round = 0; round < kReadyRounds && cortex_m::uptime_ms() < deadline; ++round) {
    if ((read_reg(kSr) & (kSrSecs | kSrDrdy)) == kSrDrdy) return;
  }
}

bool next_word(uint32_t& word) {
  static bool have_previous = false;
  static uint32_t previous = 0;
  int restarts = 0;
  for (int round = 0; round < kReadyRounds; ++round) {
    const uint32_t status = read_reg(kSr);
    if ((status & kSrSecs) != 0) {
      // Restart the generator and drop what it made before.
      if (++restarts > kMaxRestarts) return false;
      restart_after_seed_error();
      have_previous = false;
      continue;
    }
    if ((status & kSrCecs) != 0) {
      // The RNG clock is too slow against HCLK: the PLL's Q output is wrong.
      clear_bits(kSr, kSrCeis);
      return false;
    }
    if ((status & kSrDrdy) == 0) continue;
    const uint32_t value = read_reg(kDr);
    // The continuous test RM0090 asks of software: a word equal to the one
    // before is a stuck generator, and the first word only seeds the test.
    const bool fresh = have_previous && value != previous;
    const bool stuck = have_previous && value == previous;
    previous = value;
    have_previous = true;
    if (stuck) return false;
    if (!fresh) continue;
    word = value;
    return true;
  }
  return false;
}

}  // namespace

bool rng_fill(std::span<uint8_t> out) {
  static bool started = false;
  if (!started) {
    start();
    started = true;
  }
  for (size_t i = 0; i < out.size(); i += 4) {
    uint32_t word;
    if (!next_word(word)) return false;
    std::memcpy(out.data() + i, &word, out.size() - i < 4 ? out.size() - i : 4);
  }
  return true;
}

RngEntropy::RngEntropy() {
  uint8_t probe[4];
  (void)rng_fill(probe);  // starts it, and consumes the first word
}

bool RngEntropy::fill(std::span<uint8_t> out) {
  return rng_fill(out);
}

}  // namespace shakedown::nucleo
