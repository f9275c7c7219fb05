#include "stack_meter.h"

#include <cstdint>

#include "stack_guard.h"

// The linker script's symbols, as arrays: only their addresses mean anything.
extern "C" uint32_t __stack_limit[], __stack_top[];

namespace shakedown::cortex_m {
namespace {

constexpr uint32_t kPaint = 0x5a5aa5a5u;
// Left untouched below the caller's frame: paint_stack's own frame lives there.
constexpr size_t kMargin = 256;

uint32_t* current_sp() {
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

// The lowest word the stack may use: the guard below it faults on any access.
uint32_t* usable_bottom() {
  return __stack_limit + kStackGuardBytes / sizeof(uint32_t);
}

}  // namespace

__attribute__((noinline)) void paint_stack() {
  uint32_t* end = current_sp() - kMargin / sizeof(uint32_t);
  for (volatile uint32_t* p = usable_bottom(); p < end; ++p) *p = kPaint;
}

size_t stack_peak() {
  const uint32_t* p = usable_bottom();
  while (p < __stack_top && *p == kPaint) ++p;
  return static_cast<size_t>(reinterpret_cast<const char*>(__stack_top) - reinterpret_cast<const char*>(p));
}

size_t stack_size() {
  return static_cast<size_t>(reinterpret_cast<const char*>(__stack_top) -
                             reinterpret_cast<const char*>(usable_bottom()));
}

}  // namespace shakedown::cortex_m
