// The agent on the NUCLEO-F429ZI: the device protocol on USART3 (the
// ST-Link's virtual COM port), TLS over lwIP on the Ethernet MAC, entropy
// from the RNG, Mbed TLS in a bounded arena sized for 192 KB of SRAM. One
// image per (Mbed TLS line, profile). The network settings are the build's
// (SHAKEDOWN_NUCLEO_* in CMake, see docs/bench.md).

#include <array>

#include "clocks.h"
#include "network.h"
#include "rng_entropy.h"
#include "shakedown/agent/agent.h"
#include "shakedown/lwip/lwip_transport.h"
#include "stack_guard.h"
#include "stack_meter.h"
#include "systick_clock.h"
#include "usart3_console.h"

extern "C" [[noreturn]] void halt_on_fault();

namespace {

using namespace shakedown;

constexpr uint32_t kPollMs = 1'000;

// The Mbed TLS arena takes half of SRAM: a 16 KB-record profile's handshake
// peaked near 45 KB under QEMU, so 96 KB leaves room for large chains and
// both record buffers (the simulator's 1 MB does not fit this part). A
// scenario's heap budget narrows it further.
alignas(16) std::array<uint8_t, 96 * 1024> heap_arena;
std::array<uint8_t, 16 * 1024> ca_storage;
// Only the CPU touches these: CCM, beside lwIP's pools.
[[gnu::section(".ccm_bss")]] std::array<uint8_t, 4 * 1024> cert_storage;
[[gnu::section(".ccm_bss")]] std::array<uint8_t, 4 * 1024> key_storage;

constexpr agent::AgentIdentity kIdentity{"nucleo-f429zi", SHAKEDOWN_BUILD_ID, nucleo::kRngEntropyName};

constexpr nucleo::NetworkConfig kNetwork{SHAKEDOWN_NUCLEO_DHCP != 0, SHAKEDOWN_NUCLEO_ADDRESS, SHAKEDOWN_NUCLEO_NETMASK,
                                         SHAKEDOWN_NUCLEO_GATEWAY};

}  // namespace

int main() {
  // First: everything after runs with its stack guarded.
  cortex_m::enable_stack_guard();
  // Without the ST-Link's clock nothing else is timed right, the UART's
  // baud rate included: stop where a debugger shows why.
  if (!nucleo::start_clocks()) halt_on_fault();
  static cortex_m::SysTickClock clock(nucleo::kCoreClockHz);
  // A missing PHY or link is not fatal: the banner and each report say so,
  // and the host makes it an infrastructure error naming the cause.
  static nucleo::NucleoNetwork network(kNetwork);
  static nucleo::Usart3Console console(clock, network);
  static lwip::LwipTransport transport(network, clock);
  static nucleo::RngEntropy entropy;
  static core::Heap heap(heap_arena);
  static cortex_m::StackMeter stack_meter;
  static agent::Agent agent(console, transport, clock, entropy, heap, kIdentity,
                            {ca_storage, cert_storage, key_storage}, agent::AgentGauges{&stack_meter, &network});
  agent.announce();
  for (;;) agent.poll(kPollMs);
}
