#include "cmsdk_uart.h"

#include "mmio.h"

namespace shakedown::qemu {
namespace {

constexpr uintptr_t kBase = 0x40004000;
constexpr uintptr_t kData = kBase + 0x00;
constexpr uintptr_t kState = kBase + 0x04;
constexpr uintptr_t kCtrl = kBase + 0x08;
constexpr uintptr_t kBaudDiv = kBase + 0x10;
constexpr uint32_t kStateTxFull = 1u << 0, kStateRxFull = 1u << 1;
constexpr uint32_t kCtrlTxEnable = 1u << 0, kCtrlRxEnable = 1u << 1;
constexpr uint32_t kBaudDivisor = 16;  // the smallest the UART accepts; QEMU ignores the rate
// A UART never closes; a host that stops draining it for this long is gone.
constexpr uint32_t kTxStallMs = 2'000;

}  // namespace

UartConsole::UartConsole(core::Clock& clock, lwip::NetworkPoller& idle) : clock_(clock), idle_(idle) {
  write_reg(kBaudDiv, kBaudDivisor);
  write_reg(kCtrl, kCtrlTxEnable | kCtrlRxEnable);
}

core::IoResult UartConsole::read(std::span<uint8_t> out, uint32_t timeout_ms) {
  const uint64_t deadline = clock_.monotonic_ms() + timeout_ms;
  size_t n = 0;
  for (;;) {
    while (n < out.size() && (read_reg(kState) & kStateRxFull) != 0) {
      out[n++] = static_cast<uint8_t>(read_reg(kData));
    }
    if (n > 0) return core::IoResult::moved(n);
    if (clock_.monotonic_ms() >= deadline) return core::IoResult::failed(core::IoStatus::kTimedOut);
    idle_.poll();
  }
}

bool UartConsole::write(std::span<const uint8_t> data) {
  for (uint8_t byte : data) {
    const uint64_t deadline = clock_.monotonic_ms() + kTxStallMs;
    while ((read_reg(kState) & kStateTxFull) != 0) {
      if (clock_.monotonic_ms() >= deadline) return false;
    }
    write_reg(kData, byte);
  }
  return true;
}

}  // namespace shakedown::qemu
