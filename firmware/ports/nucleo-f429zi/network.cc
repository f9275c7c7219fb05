#include "network.h"

#include <lwip/dhcp.h>
#include <lwip/init.h>
#include <lwip/ip4_addr.h>
#include <lwip/netif.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>

#include "eth_mac.h"
#include "rng_entropy.h"
#include "systick_clock.h"

namespace shakedown::nucleo {
namespace {

// netif_add's init hook: the driver keeps how the start ended (eth_state).
err_t init_interface(netif* nif) {
  nif->name[0] = 'e';
  nif->name[1] = 't';
  return eth_start(*nif) == agent::NetworkStart::kUp ? ERR_OK : ERR_IF;
}

}  // namespace

NucleoNetwork::NucleoNetwork(const NetworkConfig& config) {
  lwip_init();
  ip4_addr_t address, mask, gateway;
  ip4_addr_set_zero(&address);
  ip4_addr_set_zero(&mask);
  ip4_addr_set_zero(&gateway);
  if (!config.dhcp && (!ip4addr_aton(config.address, &address) || !ip4addr_aton(config.netmask, &mask) ||
                       !ip4addr_aton(config.gateway, &gateway))) {
    bad_address_ = true;  // a bad build setting: the interface stays down
    return;
  }
  added_ = netif_add(&netif_, &address, &mask, &gateway, nullptr, init_interface, ethernet_input) != nullptr;
  if (!added_) return;
  netif_set_default(&netif_);
  netif_set_up(&netif_);
  if (config.dhcp) dhcp_start(&netif_);
}

void NucleoNetwork::poll() {
  if (!added_) return;
  eth_poll(netif_);
  sys_check_timeouts();
}

agent::NetworkState NucleoNetwork::state() const {
  agent::NetworkState now = eth_state();
  if (bad_address_) now.start = agent::NetworkStart::kBadAddress;
  now.address_ready = added_ && !ip4_addr_isany_val(*netif_ip4_addr(&netif_));
  return now;
}

}  // namespace shakedown::nucleo

// lwIP's hooks into the port (arch/cc.h, NO_SYS).
extern "C" {
[[noreturn]] void halt_on_fault();

u32_t sys_now() {
  return static_cast<u32_t>(shakedown::cortex_m::uptime_ms());
}

uint32_t shakedown_lwip_rand() {
  // The RNG is there, so use it; a failed read still gives a varied value.
  uint8_t bytes[4] = {};
  (void)shakedown::nucleo::rng_fill(bytes);
  return (uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3]) ^
         static_cast<uint32_t>(shakedown::cortex_m::uptime_ms());
}

void shakedown_lwip_assert(const char*, const char*, int) {
  halt_on_fault();
}
}
