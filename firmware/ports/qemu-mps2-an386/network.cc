#include "network.h"

#include <lwip/init.h>
#include <lwip/ip4_addr.h>
#include <lwip/netif.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>

#include "host_clock.h"
#include "lan9118.h"
#include "semihosting.h"
#include "systick_clock.h"

namespace shakedown::qemu {
namespace {

// As often as a board's driver reads its PHY; each read is a few MMIO exits.
constexpr uint32_t kLinkCheckMs = 100;

err_t init_interface(netif* nif) {
  nif->name[0] = 'e';
  nif->name[1] = 'n';
  return lan9118_start(*nif) ? ERR_OK : ERR_IF;
}

}  // namespace

QemuNetwork::QemuNetwork() {
  lwip_init();
  ip4_addr_t address, mask, gateway;
  IP4_ADDR(&address, 10, 0, 2, 15);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  IP4_ADDR(&gateway, 10, 0, 2, 2);
  if (netif_add(&netif_, &address, &mask, &gateway, nullptr, init_interface, ethernet_input) == nullptr) {
    state_.start = agent::NetworkStart::kNoController;
    return;
  }
  netif_set_default(&netif_);
  netif_set_up(&netif_);
  state_.address_ready = true;  // static
  ok_ = true;
  follow_link();
}

void QemuNetwork::poll() {
  if (!ok_) return;
  const bool received = lan9118_poll(netif_);
  if (host_uptime_ms() >= next_link_check_ms_) follow_link();
  sys_check_timeouts();
  // Nothing arrived: sleep to the next tick (SysTick, 1 ms) rather than poll
  // the NIC again at once. Each poll is an MMIO exit under QEMU's big lock,
  // and a guest that polls without pause starves QEMU's main loop, whose
  // slirp carries the server's bytes to the NIC: with two QEMUs on two cores,
  // 3% of handshakes waited past the device's 5 s read timeout for a
  // ServerHello the server had sent (docs/qemu.md).
  if (!received) __asm__ volatile("wfi" ::: "memory");
}

void QemuNetwork::follow_link() {
  next_link_check_ms_ = host_uptime_ms() + kLinkCheckMs;
  const Lan9118Link link = lan9118_link();
  state_.link_up = link.up;
  state_.speed_mbps = link.speed_mbps;
  state_.full_duplex = link.full_duplex;
  if (link.up == netif_is_link_up(&netif_)) return;
  if (link.up) {
    if (state_.link_up_at_ms == agent::kLinkNeverUp) state_.link_up_at_ms = static_cast<uint32_t>(host_uptime_ms());
    netif_set_link_up(&netif_);
  } else {
    netif_set_link_down(&netif_);
  }
}

}  // namespace shakedown::qemu

// lwIP's hooks into the port (arch/cc.h, NO_SYS).
extern "C" {

u32_t sys_now() {
  return static_cast<u32_t>(shakedown::qemu::host_uptime_ms());
}

uint32_t shakedown_lwip_rand() {
  // Not secret, only varied: TCP's initial port and sequence numbers.
  static uint32_t state = 0x9e3779b9u ^ static_cast<uint32_t>(shakedown::cortex_m::uptime_ms());
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

void shakedown_lwip_assert(const char* message, const char* file, int) {
  shakedown::qemu::semihosting_write("shakedown: lwIP assertion failed: ");
  shakedown::qemu::semihosting_write(message);
  shakedown::qemu::semihosting_write(" in ");
  shakedown::qemu::semihosting_write(file);
  shakedown::qemu::semihosting_write("\n");
  shakedown::qemu::semihosting_exit(static_cast<int>(shakedown::qemu::FatalExit::kLwipAssert));
}
}
