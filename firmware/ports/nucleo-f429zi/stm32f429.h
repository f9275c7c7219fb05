#pragma once
// The STM32F429's registers this port touches, written from RM0090 (the
// reference manual): base addresses, offsets and bits, named as the manual
// names them. Only what the port uses; no vendor header is involved.

#include <cstdint>

namespace shakedown::nucleo {

inline uint32_t read_reg(uintptr_t address) {
  return *reinterpret_cast<volatile uint32_t*>(address);
}

inline void write_reg(uintptr_t address, uint32_t value) {
  *reinterpret_cast<volatile uint32_t*>(address) = value;
}

inline void set_bits(uintptr_t address, uint32_t bits) {
  write_reg(address, read_reg(address) | bits);
}

inline void clear_bits(uintptr_t address, uint32_t bits) {
  write_reg(address, read_reg(address) & ~bits);
}

// Replaces the field `mask` (already shifted) with `value` (already shifted).
inline void write_field(uintptr_t address, uint32_t mask, uint32_t value) {
  write_reg(address, (read_reg(address) & ~mask) | (value & mask));
}

namespace rcc {
inline constexpr uintptr_t kBase = 0x40023800;
inline constexpr uintptr_t kCr = kBase + 0x00;
inline constexpr uintptr_t kPllCfgr = kBase + 0x04;
inline constexpr uintptr_t kCfgr = kBase + 0x08;
inline constexpr uintptr_t kAhb1Rstr = kBase + 0x10;
inline constexpr uintptr_t kAhb1Enr = kBase + 0x30;
inline constexpr uintptr_t kAhb2Enr = kBase + 0x34;
inline constexpr uintptr_t kApb1Enr = kBase + 0x40;
inline constexpr uintptr_t kApb2Enr = kBase + 0x44;

inline constexpr uint32_t kCrHsiOn = 1u << 0, kCrHsiRdy = 1u << 1;
inline constexpr uint32_t kCrHseOn = 1u << 16, kCrHseRdy = 1u << 17, kCrHseByp = 1u << 18;
inline constexpr uint32_t kCrPllOn = 1u << 24, kCrPllRdy = 1u << 25;
inline constexpr uint32_t kPllCfgrSrcHse = 1u << 22;
// PLLM 5:0, PLLN 14:6, PLLP 17:16, PLLSRC 22, PLLQ 27:24.
inline constexpr uint32_t kPllCfgrFields = 0x3fu | (0x1ffu << 6) | (3u << 16) | (1u << 22) | (0xfu << 24);
inline constexpr uint32_t kCfgrSwMask = 3u << 0, kCfgrSwPll = 2u << 0;
inline constexpr uint32_t kCfgrSwsMask = 3u << 2, kCfgrSwsPll = 2u << 2;
inline constexpr uint32_t kCfgrHpreMask = 0xfu << 4;  // 0: AHB = SYSCLK
inline constexpr uint32_t kCfgrPpre1Mask = 7u << 10, kCfgrPpre1Div4 = 5u << 10;
inline constexpr uint32_t kCfgrPpre2Mask = 7u << 13, kCfgrPpre2Div2 = 4u << 13;

// AHB1ENR / AHB1RSTR
inline constexpr uint32_t kGpioA = 1u << 0, kGpioB = 1u << 1, kGpioC = 1u << 2, kGpioD = 1u << 3, kGpioG = 1u << 6;
inline constexpr uint32_t kEthMac = 1u << 25, kEthMacTx = 1u << 26, kEthMacRx = 1u << 27;
// AHB2ENR, APB1ENR, APB2ENR
inline constexpr uint32_t kRng = 1u << 6;
inline constexpr uint32_t kUsart3 = 1u << 18, kPwr = 1u << 28;
inline constexpr uint32_t kSyscfg = 1u << 14;
}  // namespace rcc

namespace pwr {
inline constexpr uintptr_t kCr = 0x40007000;
inline constexpr uint32_t kCrVosMask = 3u << 14, kCrVosScale1 = 3u << 14;
}  // namespace pwr

namespace flash {
inline constexpr uintptr_t kAcr = 0x40023c00;
inline constexpr uint32_t kAcrLatencyMask = 0xfu, kAcrPrften = 1u << 8, kAcrIcen = 1u << 9, kAcrDcen = 1u << 10;
}  // namespace flash

namespace gpio {
inline constexpr uintptr_t kPortA = 0x40020000, kPortB = 0x40020400, kPortC = 0x40020800, kPortD = 0x40020c00,
                           kPortG = 0x40021800;
inline constexpr uintptr_t kModer = 0x00, kOtyper = 0x04, kOspeedr = 0x08, kPupdr = 0x0c, kAfrl = 0x20, kAfrh = 0x24;
inline constexpr uint32_t kModeAlternate = 2, kSpeedVeryHigh = 3;

// Puts pin `pin` of `port` in alternate function `af`, push-pull, very high
// speed, no pull.
inline void set_alternate(uintptr_t port, unsigned pin, uint32_t af) {
  write_field(port + kModer, 3u << (2 * pin), kModeAlternate << (2 * pin));
  clear_bits(port + kOtyper, 1u << pin);
  write_field(port + kOspeedr, 3u << (2 * pin), kSpeedVeryHigh << (2 * pin));
  clear_bits(port + kPupdr, 3u << (2 * pin));
  const uintptr_t afr = port + (pin < 8 ? kAfrl : kAfrh);
  const unsigned shift = 4 * (pin % 8);
  write_field(afr, 0xfu << shift, af << shift);
}
}  // namespace gpio

namespace syscfg {
inline constexpr uintptr_t kPmc = 0x40013800 + 0x04;
inline constexpr uint32_t kPmcMiiRmiiSel = 1u << 23;
}  // namespace syscfg

namespace nvic {
inline constexpr uintptr_t kIser0 = 0xe000e100;
inline void enable(unsigned irq) {
  write_reg(kIser0 + 4 * (irq / 32), 1u << (irq % 32));
}
}  // namespace nvic

// The 96-bit unique device id (RM0090 39.1): the board's MAC address is
// derived from it, so every board keeps its own.
inline constexpr uintptr_t kUniqueId = 0x1fff7a10;

}  // namespace shakedown::nucleo
