#include "lan9118.h"

#include <lwip/err.h>
#include <lwip/etharp.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>

#include <cstring>

#include "mmio.h"

namespace shakedown::qemu {
namespace {

// System control and status registers (offsets from the base), from the
// LAN9118 datasheet.
constexpr uintptr_t kBase = 0x40200000;
constexpr uintptr_t kRxDataFifo = kBase + 0x00;
constexpr uintptr_t kTxDataFifo = kBase + 0x20;
constexpr uintptr_t kRxStatusFifo = kBase + 0x40;
constexpr uintptr_t kTxStatusFifo = kBase + 0x48;
constexpr uintptr_t kIdRev = kBase + 0x50;
constexpr uintptr_t kIrqCfg = kBase + 0x54;
constexpr uintptr_t kIntEn = kBase + 0x5c;
constexpr uintptr_t kByteTest = kBase + 0x64;
constexpr uintptr_t kTxCfg = kBase + 0x70;
constexpr uintptr_t kHwCfg = kBase + 0x74;
constexpr uintptr_t kRxFifoInf = kBase + 0x7c;
constexpr uintptr_t kTxFifoInf = kBase + 0x80;
constexpr uintptr_t kPmtCtrl = kBase + 0x84;
constexpr uintptr_t kMacCsrCmd = kBase + 0xa4;
constexpr uintptr_t kMacCsrData = kBase + 0xa8;

constexpr uint32_t kByteTestValue = 0x87654321;
constexpr uint32_t kChipId9118 = 0x0118;  // ID_REV's upper half
constexpr uint32_t kHwCfgSoftReset = 1u << 0;
constexpr uint32_t kPmtReady = 1u << 0;
constexpr uint32_t kTxCfgTxOn = 1u << 1;
constexpr uint32_t kTxCfgStatusDump = 1u << 15;

// MAC control and status registers, reached through MAC_CSR_CMD/DATA.
constexpr uint32_t kMacCr = 1, kMacAddrH = 2, kMacAddrL = 3, kMiiAcc = 6, kMiiData = 7;
constexpr uint32_t kMacCsrBusy = 1u << 31, kMacCsrRead = 1u << 30;
constexpr uint32_t kMacCrRxEnable = 1u << 2, kMacCrTxEnable = 1u << 3, kMacCrFullDuplex = 1u << 20;
// MII_ACC: PHY address 15:11, register 10:6, busy bit 0. The internal PHY
// answers at address 1. Only registers QEMU models are read (0-6, 29-31).
constexpr uint32_t kMiiBusy = 1u << 0, kInternalPhy = 1;
constexpr uint32_t kPhyBsr = 1, kPhyAdvertise = 4, kPhyPartner = 5;
constexpr uint16_t kBsrLinkUp = 1u << 2, kBsrAutoNegDone = 1u << 5;
// Ability bits of the advertisement and link partner registers (IEEE 802.3 22.2.4).
constexpr uint16_t k100Full = 1u << 8, k100Half = 1u << 7, k10Full = 1u << 6;

// TX command words: A says which buffer of which frame, B the frame's length.
constexpr uint32_t kTxCmdFirstSegment = 1u << 13, kTxCmdLastSegment = 1u << 12;
// RX status: bits 29:16 the frame's length with its 4-byte CRC, bit 15 errors.
constexpr uint32_t kRxStatusError = 1u << 15;

constexpr uint32_t kMaxFrame = 1518;  // with CRC
constexpr int kResetWaitRounds = 100'000;

bool mac_csr_wait() {
  for (int i = 0; i < kResetWaitRounds; ++i) {
    if ((read_reg(kMacCsrCmd) & kMacCsrBusy) == 0) return true;
  }
  return false;
}

uint32_t mac_read(uint32_t index) {
  write_reg(kMacCsrCmd, kMacCsrBusy | kMacCsrRead | index);
  mac_csr_wait();
  return read_reg(kMacCsrData);
}

void mac_write(uint32_t index, uint32_t value) {
  write_reg(kMacCsrData, value);
  write_reg(kMacCsrCmd, kMacCsrBusy | index);
  mac_csr_wait();
}

uint16_t phy_read(uint32_t reg) {
  mac_write(kMiiAcc, (kInternalPhy << 11) | (reg << 6) | kMiiBusy);
  for (int i = 0; i < kResetWaitRounds; ++i) {
    if ((mac_read(kMiiAcc) & kMiiBusy) == 0) break;
  }
  return static_cast<uint16_t>(mac_read(kMiiData));
}

// One frame per call, copied whole into the TX FIFO in 32-bit words.
err_t transmit(netif*, pbuf* p) {
  if (p->tot_len > kMaxFrame - 4) return ERR_BUF;
  alignas(4) uint8_t frame[kMaxFrame];
  const uint16_t length = pbuf_copy_partial(p, frame, p->tot_len, 0);
  const uint32_t words = (length + 3u) / 4u;
  // Wait (bounded) for FIFO room; QEMU sends each frame at once, so this is
  // a formality there.
  int rounds = 0;
  while ((read_reg(kTxFifoInf) & 0xffff) < words * 4 + 8) {
    if (++rounds > kResetWaitRounds) return ERR_MEM;
  }
  write_reg(kTxDataFifo, kTxCmdFirstSegment | kTxCmdLastSegment | length);
  write_reg(kTxDataFifo, (static_cast<uint32_t>(length) << 16) | length);  // tag, length
  uint32_t word;
  for (uint32_t i = 0; i < words; ++i) {
    std::memcpy(&word, frame + 4 * i, 4);
    write_reg(kTxDataFifo, word);
  }
  // Nobody reads the TX status: drop it, so its FIFO never fills.
  while ((read_reg(kTxFifoInf) >> 16) & 0xff) read_reg(kTxStatusFifo);
  return ERR_OK;
}

}  // namespace

bool lan9118_start(netif& nif) {
  if (read_reg(kByteTest) != kByteTestValue || (read_reg(kIdRev) >> 16) != kChipId9118) return false;
  write_reg(kHwCfg, kHwCfgSoftReset);
  int rounds = 0;
  while ((read_reg(kHwCfg) & kHwCfgSoftReset) != 0 || (read_reg(kPmtCtrl) & kPmtReady) == 0) {
    if (++rounds > kResetWaitRounds) return false;
  }
  write_reg(kIntEn, 0);  // polled: no interrupts
  write_reg(kIrqCfg, 0);

  // The MAC address QEMU loaded from its EEPROM (-nic ...,mac=).
  const uint32_t low = mac_read(kMacAddrL), high = mac_read(kMacAddrH);
  for (int i = 0; i < 4; ++i) nif.hwaddr[i] = static_cast<uint8_t>(low >> (8 * i));
  nif.hwaddr[4] = static_cast<uint8_t>(high);
  nif.hwaddr[5] = static_cast<uint8_t>(high >> 8);
  nif.hwaddr_len = ETH_HWADDR_LEN;
  nif.mtu = 1500;
  nif.flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  nif.output = etharp_output;
  nif.linkoutput = transmit;

  // Our own address and broadcasts only (not promiscuous, the reset default).
  mac_write(kMacCr, kMacCrRxEnable | kMacCrTxEnable | kMacCrFullDuplex);
  write_reg(kTxCfg, kTxCfgTxOn | kTxCfgStatusDump);
  return true;
}

Lan9118Link lan9118_link() {
  const uint16_t bsr = phy_read(kPhyBsr);
  Lan9118Link link;
  link.up = (bsr & kBsrLinkUp) != 0 && (bsr & kBsrAutoNegDone) != 0;
  if (!link.up) return link;
  const uint16_t common = phy_read(kPhyAdvertise) & phy_read(kPhyPartner);
  const bool fast = (common & (k100Full | k100Half)) != 0;
  link.speed_mbps = fast ? 100 : 10;
  link.full_duplex = (common & (fast ? k100Full : k10Full)) != 0;
  return link;
}

bool lan9118_poll(netif& nif) {
  bool any = false;
  while (((read_reg(kRxFifoInf) >> 16) & 0xff) != 0) {
    any = true;
    const uint32_t status = read_reg(kRxStatusFifo);
    const uint32_t length = (status >> 16) & 0x3fff;
    const uint32_t words = (length + 3) / 4;
    pbuf* p = nullptr;
    if ((status & kRxStatusError) == 0 && length > 4 && length <= kMaxFrame) {
      p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(length - 4), PBUF_POOL);
    }
    // Read the whole frame out of the FIFO even when it is dropped.
    alignas(4) uint8_t frame[kMaxFrame + 3];
    for (uint32_t i = 0; i < words; ++i) {
      const uint32_t word = read_reg(kRxDataFifo);
      if (4 * i + 4 <= sizeof frame) std::memcpy(frame + 4 * i, &word, 4);
    }
    if (p == nullptr) continue;
    pbuf_take(p, frame, static_cast<u16_t>(length - 4));
    if (nif.input(p, &nif) != ERR_OK) pbuf_free(p);
  }
  return any;
}

}  // namespace shakedown::qemu
