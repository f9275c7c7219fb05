#include "systick_clock.h"

namespace shakedown::cortex_m {
namespace {

// SysTick's registers (ARMv7-M Architecture Reference Manual, B3.3).
volatile uint32_t& reg(uintptr_t address) {
  return *reinterpret_cast<volatile uint32_t*>(address);
}
constexpr uintptr_t kSysTickCtrl = 0xe000e010;
constexpr uintptr_t kSysTickLoad = 0xe000e014;
constexpr uintptr_t kSysTickValue = 0xe000e018;
constexpr uint32_t kEnable = 1u << 0, kTickInterrupt = 1u << 1, kCoreClockSource = 1u << 2;

volatile uint64_t ticks_ms = 0;

}  // namespace

uint64_t uptime_ms() {
  // A 64-bit read is two loads: retry if the tick landed between them.
  uint64_t a, b;
  do {
    a = ticks_ms;
    b = ticks_ms;
  } while (a != b);
  return a;
}

uint32_t systick_value() {
  return reg(kSysTickValue);
}

SysTickClock::SysTickClock(uint32_t core_clock_hz) {
  reg(kSysTickLoad) = core_clock_hz / 1000 - 1;
  reg(kSysTickValue) = 0;
  reg(kSysTickCtrl) = kEnable | kTickInterrupt | kCoreClockSource;
}

uint64_t SysTickClock::monotonic_ms() {
  return uptime_ms();
}

}  // namespace shakedown::cortex_m

extern "C" void SysTick_Handler() {
  shakedown::cortex_m::ticks_ms = shakedown::cortex_m::ticks_ms + 1;
}
