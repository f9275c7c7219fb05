#pragma once
// Stack high-water mark: the free stack is painted with a pattern, and the
// deepest word no longer holding it shows how much stack was ever used.
// Repainting between requests gives each request's own peak. Works on any
// Cortex-M port whose linker script defines __stack_limit and __stack_top;
// the guarded bytes at the limit (stack_guard.h) are never painted or read.

#include <cstddef>
#include <cstdint>

#include "shakedown/agent/stack_gauge.h"

namespace shakedown::cortex_m {

// Paints from just above the stack guard up to just below the caller's frame.
void paint_stack();
// Bytes of stack used since the last paint_stack(), measured from the top.
size_t stack_peak();
// Bytes the stack may use: from its top down to the guard.
size_t stack_size();

// The agent's StackGauge on a Cortex-M port: arm() paints, peak_bytes()
// reads the high-water mark.
class StackMeter final : public agent::StackGauge {
 public:
  void arm() override { paint_stack(); }
  uint32_t peak_bytes() override { return static_cast<uint32_t>(stack_peak()); }
};

}  // namespace shakedown::cortex_m
