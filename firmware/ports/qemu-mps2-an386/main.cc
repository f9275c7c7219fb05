// The agent on QEMU's mps2-an386: the device protocol on UART0, TLS over
// lwIP on the LAN9118, Mbed TLS in a bounded arena. One image per (Mbed TLS
// line, profile). It runs until QEMU is stopped; a fault or a missing
// peripheral ends QEMU with a FatalExit status instead.

#include <array>
#include <string_view>

#include "cmsdk_uart.h"
#include "host_clock.h"
#include "network.h"
#include "semihosting.h"
#include "shakedown/agent/agent.h"
#include "shakedown/lwip/lwip_transport.h"
#include "stack_guard.h"
#include "stack_meter.h"
#include "systick_clock.h"
#include "test_only_entropy.h"

namespace {

using namespace shakedown;

constexpr uint32_t kPollMs = 1'000;
constexpr uint32_t kCoreClockHz = 25'000'000;  // mps2-an386's Cortex-M4 clock, as QEMU models it

// Sized as the simulator's, so a scenario sees the same limits on both
// targets (the data RAM has 4 MB); a scenario's heap budget narrows it.
alignas(16) std::array<uint8_t, 1024 * 1024> heap_arena;
std::array<uint8_t, 64 * 1024> ca_storage;
std::array<uint8_t, 16 * 1024> cert_storage;
std::array<uint8_t, 16 * 1024> key_storage;

constexpr agent::AgentIdentity kIdentity{"qemu-mps2-an386", SHAKEDOWN_BUILD_ID, qemu::kTestOnlyEntropyName};

// The pipe the host offers for the agent's output, if any: the
// semihosting command line's "--device-out=PATH". -1 means UART0.
int device_out_handle() {
  static std::array<char, 256> command_line;
  if (!qemu::semihosting_command_line(command_line)) return -1;
  constexpr std::string_view kFlag = "--device-out=";
  std::string_view line(command_line.data());
  const size_t at = line.find(kFlag);
  if (at == std::string_view::npos) return -1;
  std::string_view path = line.substr(at + kFlag.size());
  path = path.substr(0, path.find(' '));
  command_line[at + kFlag.size() + path.size()] = '\0';  // semihosting wants it terminated too
  return qemu::semihosting_open_existing(path.data(), static_cast<uint32_t>(path.size()));
}

}  // namespace

int main() {
  cortex_m::enable_stack_guard();
  // The guest's own tick still runs (test-only entropy mixes it in); every
  // timeout is measured on the host's clock (host_clock.h says why).
  static cortex_m::SysTickClock guest_tick(kCoreClockHz);
  static qemu::HostClock clock;
  static qemu::QemuNetwork network;
  if (!network.ok()) {
    qemu::semihosting_write("shakedown: no LAN9118 at 0x40200000\n");
    qemu::semihosting_exit(static_cast<int>(qemu::FatalExit::kInitFailed));
  }
  static qemu::UartConsole console(clock, network, device_out_handle());
  static lwip::LwipTransport transport(network, clock);
  static qemu::TestOnlyEntropy entropy;
  static core::Heap heap(heap_arena);
  static cortex_m::StackMeter stack_meter;
  static agent::Agent agent(console, transport, clock, entropy, heap, kIdentity,
                            {ca_storage, cert_storage, key_storage}, {&stack_meter, &network});
  qemu::semihosting_write("shakedown: agent up (" SHAKEDOWN_MBEDTLS_LINE ", " SHAKEDOWN_PROFILE_NAME
                          "); entropy is INSECURE, test-only\n");
  agent.announce();
  for (;;) agent.poll(kPollMs);
}
