#include "eth_mac.h"

#include <lwip/err.h>
#include <lwip/etharp.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>

#include <array>
#include <cstring>

#include "lan8742a_phy.h"
#include "stm32f429.h"
#include "systick_clock.h"

namespace shakedown::nucleo {
namespace {

// MAC and DMA registers (RM0090 33.8).
constexpr uintptr_t kBase = 0x40028000;
constexpr uintptr_t kMacCr = kBase + 0x0000, kMacFfr = kBase + 0x0004, kMacA0Hr = kBase + 0x0040,
                    kMacA0Lr = kBase + 0x0044;
constexpr uintptr_t kDmaBmr = kBase + 0x1000, kDmaTpdr = kBase + 0x1004, kDmaRpdr = kBase + 0x1008,
                    kDmaRdlar = kBase + 0x100c, kDmaTdlar = kBase + 0x1010, kDmaSr = kBase + 0x1014,
                    kDmaOmr = kBase + 0x1018, kDmaIer = kBase + 0x101c, kDmaMfbocr = kBase + 0x1020;

constexpr uint32_t kMacCrRe = 1u << 2, kMacCrTe = 1u << 3, kMacCrDm = 1u << 11, kMacCrFes = 1u << 14;
constexpr uint32_t kDmaBmrSr = 1u << 0, kDmaBmrFb = 1u << 16, kDmaBmrAab = 1u << 25;
constexpr uint32_t kDmaBmrPbl32 = 32u << 8;
constexpr uint32_t kDmaSrTbus = 1u << 2, kDmaSrRbus = 1u << 7;
constexpr uint32_t kDmaOmrSr = 1u << 1, kDmaOmrSt = 1u << 13, kDmaOmrFtf = 1u << 20, kDmaOmrTsf = 1u << 21,
                   kDmaOmrRsf = 1u << 25;
// ETH_DMAMFBOCR (RM0090 33.8), cleared by each read: frames missed for want of a
// descriptor (MFC 15:0, overflow OMFC 16) and lost to a receive FIFO
// overflow (MFA 27:17, overflow OFOC 28).
constexpr uint32_t kMfcMask = 0xffffu, kOmfc = 1u << 16, kMfaShift = 17, kMfaMask = 0x7ffu << kMfaShift,
                   kOfoc = 1u << 28;

// Normal (not enhanced) DMA descriptors, chained (RM0090 33.6.7, 33.6.8).
constexpr uint32_t kOwn = 1u << 31;
constexpr uint32_t kTdes0Ls = 1u << 29, kTdes0Fs = 1u << 28, kTdes0Tch = 1u << 20;
constexpr uint32_t kRdes0Es = 1u << 15, kRdes0Fs = 1u << 9, kRdes0Ls = 1u << 8;
constexpr uint32_t kRdes1Rch = 1u << 14;

// Pins (NUCLEO-F429ZI user manual, RMII): all AF11.
constexpr uint32_t kAf11 = 11;
struct Pin {
  uintptr_t port;
  unsigned pin;
};
constexpr Pin kRmiiPins[] = {
    {gpio::kPortA, 1},   // REF_CLK
    {gpio::kPortA, 2},   // MDIO
    {gpio::kPortA, 7},   // CRS_DV
    {gpio::kPortB, 13},  // TXD1
    {gpio::kPortC, 1},   // MDC
    {gpio::kPortC, 4},   // RXD0
    {gpio::kPortC, 5},   // RXD1
    {gpio::kPortG, 11},  // TX_EN
    {gpio::kPortG, 13},  // TXD0
};

constexpr size_t kBufferSize = 1536;  // a whole frame per descriptor, a multiple of 4
constexpr size_t kRxCount = 8, kTxCount = 4;
constexpr uint32_t kMaxFrame = 1518;  // with CRC
// ST's HAL allows the MAC/DMA soft reset 500 ms; a FIFO flush takes microseconds.
constexpr uint32_t kResetWaitMs = 500, kFlushWaitMs = 10, kTxWaitMs = 20;
constexpr uint32_t kLinkCheckMs = 250;

struct Descriptor {
  volatile uint32_t status;
  volatile uint32_t control;  // buffer sizes (and, for RX, the chain bit)
  volatile uint32_t buffer;
  volatile uint32_t next;
};

// In SRAM (.bss), never CCM: the DMA reads and writes them.
alignas(4) std::array<Descriptor, kRxCount> rx_ring;
alignas(4) std::array<Descriptor, kTxCount> tx_ring;
alignas(4) uint8_t rx_buffers[kRxCount][kBufferSize];
alignas(4) uint8_t tx_buffers[kTxCount][kBufferSize];
size_t rx_next = 0, tx_next = 0;
uint64_t next_link_check_ms = 0;
agent::NetworkState state{agent::NetworkStart::kNoController};

uint32_t address_of(const volatile void* p) {
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(p));
}

// What the CPU wrote to a descriptor or buffer is in memory before the DMA looks.
void hand_to_dma() {
  __asm__ volatile("dsb" ::: "memory");
}

bool wait_clear(uintptr_t reg, uint32_t bits, uint32_t timeout_ms) {
  const uint64_t deadline = cortex_m::uptime_ms() + timeout_ms + 1;
  while ((read_reg(reg) & bits) != 0) {
    if (cortex_m::uptime_ms() >= deadline) return false;
  }
  return true;
}

// A write to MACCR, MACFFR, DMABMR or DMAOMR may be lost if another follows
// within four TX_CLK/RX_CLK periods (ST's erratum "successive write
// operations to the same register might not be fully taken into account").
// ST's F4 HAL does this for each: write, read back, wait 1 ms
// (ETH_REG_WRITE_DELAY), write the read-back value again. Waiting for two
// tick edges makes at least one full millisecond.
void write_settled(uintptr_t reg, uint32_t value) {
  write_reg(reg, value);
  const uint32_t written = read_reg(reg);
  const uint64_t until = cortex_m::uptime_ms() + 2;
  while (cortex_m::uptime_ms() < until) {
  }
  write_reg(reg, written);
}

void init_rings() {
  for (size_t i = 0; i < kRxCount; ++i) {
    rx_ring[i].control = kRdes1Rch | kBufferSize;
    rx_ring[i].buffer = address_of(rx_buffers[i]);
    rx_ring[i].next = address_of(&rx_ring[(i + 1) % kRxCount]);
    rx_ring[i].status = kOwn;
  }
  for (size_t i = 0; i < kTxCount; ++i) {
    tx_ring[i].status = kTdes0Tch;
    tx_ring[i].control = 0;
    tx_ring[i].buffer = address_of(tx_buffers[i]);
    tx_ring[i].next = address_of(&tx_ring[(i + 1) % kTxCount]);
  }
  rx_next = tx_next = 0;
  hand_to_dma();
  write_reg(kDmaRdlar, address_of(rx_ring.data()));
  write_reg(kDmaTdlar, address_of(tx_ring.data()));
}

// The MAC address: locally administered, from the chip's unique id, so
// every board keeps its own.
void set_mac_address(netif& nif) {
  const uint32_t id = read_reg(kUniqueId) ^ read_reg(kUniqueId + 4) ^ read_reg(kUniqueId + 8);
  const uint8_t mac[6] = {0x02,
                          0x80,
                          static_cast<uint8_t>(id >> 24),
                          static_cast<uint8_t>(id >> 16),
                          static_cast<uint8_t>(id >> 8),
                          static_cast<uint8_t>(id)};
  std::memcpy(nif.hwaddr, mac, sizeof mac);
  nif.hwaddr_len = ETH_HWADDR_LEN;
  write_reg(kMacA0Hr, (uint32_t{mac[5]} << 8) | mac[4]);
  write_reg(kMacA0Lr, (uint32_t{mac[3]} << 24) | (uint32_t{mac[2]} << 16) | (uint32_t{mac[1]} << 8) | mac[0]);
}

// Follows the PHY: speed and duplex into the MAC when the link comes up.
void update_link(netif& nif) {
  const PhyLink link = phy_link();
  if (link.up == state.link_up) return;
  state.link_up = link.up;
  state.speed_mbps = link.speed_mbps;
  state.full_duplex = link.full_duplex;
  if (!link.up) {
    netif_set_link_down(&nif);
    return;
  }
  uint32_t cr = read_reg(kMacCr) & ~(kMacCrFes | kMacCrDm);
  if (link.speed_mbps == 100) cr |= kMacCrFes;
  if (link.full_duplex) cr |= kMacCrDm;
  write_settled(kMacCr, cr);
  if (state.link_up_at_ms == agent::kLinkNeverUp) {
    state.link_up_at_ms = static_cast<uint32_t>(cortex_m::uptime_ms());
  }
  netif_set_link_up(&nif);
}

// Frames the DMA never delivered; an overflow bit means at least one more
// counter's worth, so the sum is a lower bound.
void count_missed_frames() {
  const uint32_t counters = read_reg(kDmaMfbocr);
  uint32_t missed = (counters & kMfcMask) + ((counters & kMfaMask) >> kMfaShift);
  if ((counters & kOmfc) != 0) missed += kMfcMask + 1;
  if ((counters & kOfoc) != 0) missed += (kMfaMask >> kMfaShift) + 1;
  state.dropped_frames += missed;
}

err_t transmit(netif*, pbuf* p) {
  if (p->tot_len > kMaxFrame - 4) return ERR_BUF;
  Descriptor& d = tx_ring[tx_next];
  // All descriptors busy: the wire is slower than lwIP; wait a little, bounded.
  const uint64_t deadline = cortex_m::uptime_ms() + kTxWaitMs;
  while ((d.status & kOwn) != 0) {
    if (cortex_m::uptime_ms() >= deadline) return ERR_MEM;
  }
  const uint16_t length = pbuf_copy_partial(p, tx_buffers[tx_next], p->tot_len, 0);
  d.control = length;
  d.status = kOwn | kTdes0Fs | kTdes0Ls | kTdes0Tch;
  hand_to_dma();
  tx_next = (tx_next + 1) % kTxCount;
  // A suspended transmit DMA (it found a descriptor it did not own) resumes on a poll demand.
  if ((read_reg(kDmaSr) & kDmaSrTbus) != 0) write_reg(kDmaSr, kDmaSrTbus);
  write_reg(kDmaTpdr, 0);
  return ERR_OK;
}

// The MAC and DMA from reset to running, once the PHY is up.
agent::NetworkStart start_mac(netif& nif) {
  set_mac_address(nif);
  write_settled(kMacFfr, 0);  // our address and broadcasts; lwIP checks the rest
  write_reg(kDmaIer, 0);      // polled
  write_settled(kDmaBmr, kDmaBmrAab | kDmaBmrFb | kDmaBmrPbl32);
  init_rings();
  // RM0090 33.8, ETH_DMAOMR's FTF: nothing else may be written to DMAOMR
  // until the flush is done, which the MAC's transmit side signals, on the
  // clock RMII takes from REF_CLK. One that never ends means that clock
  // stopped, the failure kNoRefClock names; kUp would hide a transmitter
  // that can never send.
  write_reg(kDmaOmr, kDmaOmrFtf);
  if (!wait_clear(kDmaOmr, kDmaOmrFtf, kFlushWaitMs)) return agent::NetworkStart::kNoRefClock;
  // Store and forward both ways: whole frames only, no underruns at 100 Mbit/s.
  write_settled(kDmaOmr, kDmaOmrRsf | kDmaOmrTsf);
  // 100 Mbit/s full duplex until the PHY says otherwise (update_link).
  write_settled(kMacCr, kMacCrRe | kMacCrTe | kMacCrFes | kMacCrDm);
  write_settled(kDmaOmr, kDmaOmrRsf | kDmaOmrTsf | kDmaOmrSt | kDmaOmrSr);
  return agent::NetworkStart::kUp;
}

agent::NetworkStart start(netif& nif) {
  set_bits(rcc::kAhb1Enr, rcc::kGpioA | rcc::kGpioB | rcc::kGpioC | rcc::kGpioG);
  (void)read_reg(rcc::kAhb1Enr);
  for (const Pin& p : kRmiiPins) gpio::set_alternate(p.port, p.pin, kAf11);

  // RMII must be selected while the MAC is in reset (RM0090 9.2.5).
  set_bits(rcc::kApb2Enr, rcc::kSyscfg);
  (void)read_reg(rcc::kApb2Enr);
  set_bits(rcc::kAhb1Rstr, rcc::kEthMac);
  set_bits(syscfg::kPmc, syscfg::kPmcMiiRmiiSel);
  clear_bits(rcc::kAhb1Rstr, rcc::kEthMac);
  set_bits(rcc::kAhb1Enr, rcc::kEthMac | rcc::kEthMacTx | rcc::kEthMacRx);
  (void)read_reg(rcc::kAhb1Enr);

  // The soft reset completes only with the PHY's 50 MHz reference clock.
  set_bits(kDmaBmr, kDmaBmrSr);
  if (!wait_clear(kDmaBmr, kDmaBmrSr, kResetWaitMs)) return agent::NetworkStart::kNoRefClock;

  if (!phy_find() || !phy_start()) return agent::NetworkStart::kNoPhy;

  nif.mtu = 1500;
  nif.flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  nif.output = etharp_output;
  nif.linkoutput = transmit;
  return start_mac(nif);
}

}  // namespace

agent::NetworkStart eth_start(netif& nif) {
  state = agent::NetworkState{};
  state.start = start(nif);
  next_link_check_ms = 0;
  return state.start;
}

agent::NetworkState eth_state() {
  agent::NetworkState now = state;
  now.phy_address = phy_address();
  return now;
}

void eth_poll(netif& nif) {
  if (cortex_m::uptime_ms() >= next_link_check_ms) {
    next_link_check_ms = cortex_m::uptime_ms() + kLinkCheckMs;
    update_link(nif);
  }
  // At most one ring's worth per call, so the console is never starved.
  for (size_t n = 0; n < kRxCount; ++n) {
    Descriptor& d = rx_ring[rx_next];
    const uint32_t status = d.status;
    if ((status & kOwn) != 0) break;
    const uint32_t length = (status >> 16) & 0x3fff;  // FL, with the CRC
    const bool whole = (status & (kRdes0Fs | kRdes0Ls)) == (kRdes0Fs | kRdes0Ls);
    bool delivered = false;
    if (whole && (status & kRdes0Es) == 0 && length > 4 && length <= kMaxFrame) {
      if (pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(length - 4), PBUF_POOL)) {
        pbuf_take(p, rx_buffers[rx_next], static_cast<u16_t>(length - 4));
        delivered = nif.input(p, &nif) == ERR_OK;
        if (!delivered) pbuf_free(p);
      }
    }
    // An error, too long, or no pbuf for it; a frame split over
    // descriptors (longer than a buffer) counts once, at its last.
    if (!delivered && (status & kRdes0Ls) != 0) ++state.dropped_frames;
    d.status = kOwn;  // the frame is copied out (or dropped): the buffer is the DMA's again
    hand_to_dma();
    rx_next = (rx_next + 1) % kRxCount;
  }
  count_missed_frames();
  // A receive DMA that ran out of descriptors waits for a poll demand.
  if ((read_reg(kDmaSr) & kDmaSrRbus) != 0) {
    write_reg(kDmaSr, kDmaSrRbus);
    write_reg(kDmaRpdr, 0);
  }
}

}  // namespace shakedown::nucleo
