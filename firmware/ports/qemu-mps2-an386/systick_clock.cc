#include "systick_clock.h"

#include "mmio.h"

namespace shakedown::qemu {
namespace {

constexpr uintptr_t kSysTickCtrl = 0xe000e010;
constexpr uintptr_t kSysTickLoad = 0xe000e014;
constexpr uintptr_t kSysTickValue = 0xe000e018;
constexpr uint32_t kCoreClockHz = 25'000'000;
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
  write_reg(kSysTickLoad, kCoreClockHz / 1000 - 1);
  write_reg(kSysTickValue, 0);
  write_reg(kSysTickCtrl, kEnable | kTickInterrupt | kCoreClockSource);
}

uint64_t SysTickClock::monotonic_ms() {
  return uptime_ms();
}

}  // namespace shakedown::qemu

extern "C" void SysTick_Handler() {
  shakedown::qemu::ticks_ms = shakedown::qemu::ticks_ms + 1;
}
