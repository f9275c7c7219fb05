#include "stack_guard.h"

#include <cstdint>

extern "C" uint32_t __stack_limit;

namespace shakedown::cortex_m {
namespace {

// The MPU's registers (ARMv7-M Architecture Reference Manual, B3.5, PMSAv7).
volatile uint32_t& reg(uintptr_t address) {
  return *reinterpret_cast<volatile uint32_t*>(address);
}
constexpr uintptr_t kMpuType = 0xe000ed90, kMpuCtrl = 0xe000ed94, kMpuRnr = 0xe000ed98, kMpuRbar = 0xe000ed9c,
                    kMpuRasr = 0xe000eda0;
constexpr uint32_t kTypeDregionMask = 0xffu << 8;  // how many regions; 0: no MPU
constexpr uint32_t kCtrlEnable = 1u << 0, kCtrlPrivDefEna = 1u << 2;
constexpr uint32_t kRasrEnable = 1u << 0, kRasrXn = 1u << 28;
constexpr uint32_t kRasrSize32Bytes = 4u << 1;                   // 2^(SIZE + 1) bytes
constexpr uint32_t kRasrNoAccess = 0u << 24;                     // AP 000: no access, privileged or not
constexpr uint32_t kRasrNormalMemory = (1u << 17) | (1u << 16);  // TEX 000, C, B: as SRAM is
constexpr uint32_t kGuardRegion = 0;
static_assert(kStackGuardBytes == 32, "kRasrSize32Bytes encodes the guard's size");

}  // namespace

void enable_stack_guard() {
  const auto limit = reinterpret_cast<uintptr_t>(&__stack_limit);
  if ((reg(kMpuType) & kTypeDregionMask) == 0 || limit % kStackGuardBytes != 0) return;
  reg(kMpuRnr) = kGuardRegion;
  reg(kMpuRbar) = static_cast<uint32_t>(limit);
  reg(kMpuRasr) = kRasrXn | kRasrNoAccess | kRasrNormalMemory | kRasrSize32Bytes | kRasrEnable;
  // PRIVDEFENA keeps the default map everywhere else. HFNMIENA stays 0 and
  // MemManage stays disabled (SHCSR), so an overflow escalates to HardFault,
  // whose handler runs with the MPU off: it can still push on the stack it
  // lands on. CFSR's MMFSR and MMFAR still name the access that faulted.
  reg(kMpuCtrl) = kCtrlPrivDefEna | kCtrlEnable;
  // DSB then ISB: the new map holds from the next instruction on (B3.5).
  __asm__ volatile("dsb\n\tisb" ::: "memory");
}

}  // namespace shakedown::cortex_m
