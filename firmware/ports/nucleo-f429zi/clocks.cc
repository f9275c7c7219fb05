#include "clocks.h"

#include "stm32f429.h"

namespace shakedown::nucleo {
namespace {

// HSE 8 MHz / M 4 = 2 MHz into the VCO (RM0090 recommends 2 MHz for jitter),
// x N 168 = 336 MHz, / P 2 = 168 MHz SYSCLK, / Q 7 = 48 MHz for the RNG.
constexpr uint32_t kPllM = 4, kPllN = 168, kPllP = 2, kPllQ = 7;
// 168 MHz at 2.7-3.6 V needs 5 wait states (RM0090 table 10).
constexpr uint32_t kFlashWaitStates = 5;
// HSE and PLL lock in well under a millisecond; at 16 MHz HSI this is tens of ms.
constexpr int kReadyRounds = 500'000;

bool wait_set(uintptr_t reg, uint32_t bits) {
  for (int i = 0; i < kReadyRounds; ++i) {
    if ((read_reg(reg) & bits) == bits) return true;
  }
  return false;
}

}  // namespace

bool start_clocks() {
  set_bits(rcc::kApb1Enr, rcc::kPwr);
  // Voltage scale 1: required above 144 MHz.
  write_field(pwr::kCr, pwr::kCrVosMask, pwr::kCrVosScale1);

  set_bits(rcc::kCr, rcc::kCrHseByp);  // an external clock, not a crystal
  set_bits(rcc::kCr, rcc::kCrHseOn);
  if (!wait_set(rcc::kCr, rcc::kCrHseRdy)) return false;

  clear_bits(rcc::kCr, rcc::kCrPllOn);
  // Only the fields we set: the register's reserved bits keep their reset values.
  write_field(rcc::kPllCfgr, rcc::kPllCfgrFields,
              kPllM | (kPllN << 6) | (((kPllP / 2) - 1) << 16) | rcc::kPllCfgrSrcHse | (kPllQ << 24));
  set_bits(rcc::kCr, rcc::kCrPllOn);
  if (!wait_set(rcc::kCr, rcc::kCrPllRdy)) return false;

  // Wait states before the faster clock, never after.
  write_reg(flash::kAcr, kFlashWaitStates | flash::kAcrPrften | flash::kAcrIcen | flash::kAcrDcen);
  if ((read_reg(flash::kAcr) & flash::kAcrLatencyMask) != kFlashWaitStates) return false;

  write_field(rcc::kCfgr, rcc::kCfgrHpreMask | rcc::kCfgrPpre1Mask | rcc::kCfgrPpre2Mask,
              rcc::kCfgrPpre1Div4 | rcc::kCfgrPpre2Div2);
  write_field(rcc::kCfgr, rcc::kCfgrSwMask, rcc::kCfgrSwPll);
  for (int i = 0; i < kReadyRounds; ++i) {
    if ((read_reg(rcc::kCfgr) & rcc::kCfgrSwsMask) == rcc::kCfgrSwsPll) return true;
  }
  return false;
}

}  // namespace shakedown::nucleo
