#pragma once
// Stack guard: one MPU region (ARMv7-M PMSAv7) over the lowest bytes of the
// stack, no access and never executable, so a stack that grows past its
// limit faults (and the port's fault handler halts) instead of silently
// overwriting what the linker script put below it (heap, .bss).
//
// The linker script must align __stack_limit to kStackGuardBytes. The guard
// catches a stack that grows into it; a single frame larger than the guard
// that jumps past it, touching only memory below, is not caught.

#include <cstddef>

namespace shakedown::cortex_m {

// The smallest PMSAv7 region (ARMv7-M ARM B3.5, MPU_RASR: SIZE 4, 2^5 bytes).
inline constexpr size_t kStackGuardBytes = 32;

// Turns the guard on, once, early in main(): after it, nothing may touch
// [__stack_limit, __stack_limit + kStackGuardBytes). Everything else keeps
// the default memory map (the firmware runs privileged). Does nothing on a
// core without an MPU or if __stack_limit is misaligned.
void enable_stack_guard();

}  // namespace shakedown::cortex_m
