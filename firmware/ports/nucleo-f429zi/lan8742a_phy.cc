#include "lan8742a_phy.h"

#include "shakedown/agent/network_monitor.h"
#include "stm32f429.h"
#include "systick_clock.h"

namespace shakedown::nucleo {
namespace {

// The MAC's station management registers (RM0090 33.8, ETH_MACMIIAR and
// ETH_MACMIIDR): PHY address 15:11, register 10:6, clock range 4:2.
constexpr uintptr_t kMacMiiAr = 0x40028000 + 0x10, kMacMiiDr = 0x40028000 + 0x14;
constexpr uint32_t kMiiBusy = 1u << 0, kMiiWrite = 1u << 1;
constexpr uint32_t kMiiClockDiv102 = 4u << 2;  // HCLK 150-168 MHz: MDC = HCLK/102, under 2.5 MHz
constexpr uint32_t kMdioWaitMs = 5;
constexpr uint8_t kMdioAddresses = 32;

// LAN8742A registers (its datasheet, section 4; the values ST's lan8742
// driver uses): basic control and status, ID, special modes, and the
// special control/status register.
constexpr uint32_t kBcr = 0, kBsr = 1, kId1 = 2, kSmr = 18, kScsr = 31;
constexpr uint16_t kBcrReset = 1u << 15, kBcrAutoNeg = 1u << 12, kBcrRestartAutoNeg = 1u << 9;
constexpr uint16_t kBsrAutoNegDone = 1u << 5, kBsrLinkUp = 1u << 2;
// SMR: MODE 7:5 (111: all capable, auto-negotiation enabled), PHYAD 4:0.
constexpr uint16_t kSmrModeMask = 7u << 5, kSmrModeAllCapable = 7u << 5, kSmrAddressMask = 0x1f;
// SCSR: AUTODONE 12; speed indication 4:2 (001 10 half, 101 10 full, 010 100 half, 110 100 full).
constexpr uint16_t kScsrAutoDone = 1u << 12, kScsrSpeedMask = 7u << 2;
constexpr uint16_t kScsr10Half = 1u << 2, kScsr10Full = 5u << 2, kScsr100Half = 2u << 2, kScsr100Full = 6u << 2;
// ST's driver allows the soft reset this long.
constexpr uint32_t kResetWaitMs = 500;
constexpr uint16_t kNothing = 0xffff;  // what MDIO's pull-up reads where no PHY drives it

uint8_t found_address = agent::kNoPhyAddress;

bool mdio_idle() {
  const uint64_t deadline = cortex_m::uptime_ms() + kMdioWaitMs + 1;
  while ((read_reg(kMacMiiAr) & kMiiBusy) != 0) {
    if (cortex_m::uptime_ms() >= deadline) return false;
  }
  return true;
}

uint32_t mdio_command(uint8_t address, uint32_t reg) {
  return (uint32_t{address} << 11) | (reg << 6) | kMiiClockDiv102 | kMiiBusy;
}

uint16_t mdio_read(uint8_t address, uint32_t reg) {
  write_reg(kMacMiiAr, mdio_command(address, reg));
  if (!mdio_idle()) return kNothing;
  return static_cast<uint16_t>(read_reg(kMacMiiDr));
}

bool mdio_write(uint8_t address, uint32_t reg, uint16_t value) {
  write_reg(kMacMiiDr, value);
  write_reg(kMacMiiAr, mdio_command(address, reg) | kMiiWrite);
  return mdio_idle();
}

// An address with a PHY behind it: its ID reads neither all ones (nobody
// drives MDIO) nor all zeros (MDIO stuck low).
bool answers(uint8_t address) {
  const uint16_t id1 = mdio_read(address, kId1);
  return id1 != kNothing && id1 != 0;
}

}  // namespace

bool phy_find() {
  found_address = agent::kNoPhyAddress;
  // As ST's lan8742 driver: the PHY is where its Special Modes register
  // names its own address (PHYAD, the strap it latched at reset). The ID
  // check keeps an empty address 31 (0xffff, PHYAD 31) from matching.
  for (uint8_t address = 0; address < kMdioAddresses; ++address) {
    const uint16_t smr = mdio_read(address, kSmr);
    if (smr != kNothing && (smr & kSmrAddressMask) == address && answers(address)) {
      found_address = address;
      return true;
    }
  }
  // A PHY whose SMR disagrees (another part, or a mis-latched strap): the
  // first address that answers at all.
  for (uint8_t address = 0; address < kMdioAddresses; ++address) {
    if (answers(address)) {
      found_address = address;
      return true;
    }
  }
  return false;
}

uint8_t phy_address() {
  return found_address;
}

uint16_t phy_read(uint32_t reg) {
  if (found_address == agent::kNoPhyAddress) return kNothing;
  return mdio_read(found_address, reg);
}

bool phy_write(uint32_t reg, uint16_t value) {
  if (found_address == agent::kNoPhyAddress) return false;
  return mdio_write(found_address, reg, value);
}

bool phy_start() {
  // The PHY's nRST is the MCU's NRST on this board, so a reset of a running
  // board resets the PHY too, and it may latch its MODE/PHYAD straps from
  // pins the MCU is still driving. SMR survives the soft reset below and
  // sets the mode it comes out in: rewrite it with the mode we want.
  const uint16_t smr = phy_read(kSmr);
  if (smr == kNothing) return false;
  const auto wanted =
      static_cast<uint16_t>((smr & ~(kSmrModeMask | kSmrAddressMask)) | kSmrModeAllCapable | found_address);
  if (!phy_write(kSmr, wanted) || !phy_write(kBcr, kBcrReset)) return false;
  const uint64_t deadline = cortex_m::uptime_ms() + kResetWaitMs;
  while ((phy_read(kBcr) & kBcrReset) != 0) {
    if (cortex_m::uptime_ms() >= deadline) return false;
  }
  return phy_write(kBcr, kBcrAutoNeg | kBcrRestartAutoNeg);
}

PhyLink phy_link() {
  PhyLink link;
  // Up only when BSR says link and auto-negotiation complete, and SCSR's
  // AUTODONE agrees: before that, SCSR's speed is not the result yet.
  const uint16_t bsr = phy_read(kBsr);
  if (bsr == kNothing || (bsr & kBsrLinkUp) == 0 || (bsr & kBsrAutoNegDone) == 0) return link;
  const uint16_t scsr = phy_read(kScsr);
  if (scsr == kNothing || (scsr & kScsrAutoDone) == 0) return link;
  switch (scsr & kScsrSpeedMask) {
    case kScsr10Half: link = {true, 10, false}; break;
    case kScsr10Full: link = {true, 10, true}; break;
    case kScsr100Half: link = {true, 100, false}; break;
    case kScsr100Full: link = {true, 100, true}; break;
    default: break;  // not a result the datasheet lists: ask again next time
  }
  return link;
}

}  // namespace shakedown::nucleo
