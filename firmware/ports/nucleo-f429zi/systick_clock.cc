#include "systick_clock.h"

#include "clocks.h"
#include "stm32f429.h"

namespace shakedown::nucleo {
namespace {

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

SysTickClock::SysTickClock() {
  static_assert(kCoreClockHz / 1000 - 1 < (1u << 24), "SysTick's reload register has 24 bits");
  write_reg(kSysTickLoad, kCoreClockHz / 1000 - 1);
  write_reg(kSysTickValue, 0);
  write_reg(kSysTickCtrl, kEnable | kTickInterrupt | kCoreClockSource);
}

uint64_t SysTickClock::monotonic_ms() {
  return uptime_ms();
}

}  // namespace shakedown::nucleo

extern "C" void SysTick_Handler() {
  shakedown::nucleo::ticks_ms = shakedown::nucleo::ticks_ms + 1;
}
