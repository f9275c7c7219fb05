#pragma once
// System clocks: HSE in bypass from the ST-Link's 8 MHz MCO, PLL to 168 MHz
// (48 MHz on PLL48CK for the RNG), AHB 168, APB1 42, APB2 84 MHz.

#include <cstdint>

namespace shakedown::nucleo {

inline constexpr uint32_t kCoreClockHz = 168'000'000;
inline constexpr uint32_t kApb1ClockHz = kCoreClockHz / 4;

// Switches to the PLL. Every wait is bounded: false if HSE or the PLL did
// not come up (no MCO: a solder-bridge change or a custom board), and the
// core keeps running on the 16 MHz HSI, where nothing else would be timed right.
bool start_clocks();

}  // namespace shakedown::nucleo
