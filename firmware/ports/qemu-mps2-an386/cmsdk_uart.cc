#include "cmsdk_uart.h"

#include "mmio.h"
#include "semihosting.h"

namespace shakedown::qemu {
namespace {

constexpr uintptr_t kBase = 0x40004000;
constexpr uintptr_t kData = kBase + 0x00;
constexpr uintptr_t kState = kBase + 0x04;
constexpr uintptr_t kCtrl = kBase + 0x08;
constexpr uintptr_t kIntClear = kBase + 0x0c;
constexpr uintptr_t kBaudDiv = kBase + 0x10;
constexpr uint32_t kStateTxFull = 1u << 0, kStateRxFull = 1u << 1;
constexpr uint32_t kCtrlTxEnable = 1u << 0, kCtrlRxEnable = 1u << 1, kCtrlRxInterrupt = 1u << 3;
constexpr uint32_t kIntRx = 1u << 1;
// UART0's receive interrupt is the board's IRQ 0 (mps2-an386); NVIC_ISER0
// enables IRQs 0..31 (Armv7-M ARM, B3.4).
constexpr uint32_t kUart0RxIrq = 0;
constexpr uintptr_t kNvicIser0 = 0xE000E100;
constexpr uint32_t kBaudDivisor = 16;  // the smallest the UART accepts; QEMU ignores the rate
// A UART never closes; a host that stops draining it for this long is gone.
constexpr uint32_t kTxStallMs = 2'000;

}  // namespace

UartConsole::UartConsole(core::Clock& clock, lwip::NetworkPoller& idle, int output_handle)
    : clock_(clock), idle_(idle), output_handle_(output_handle) {
  write_reg(kBaudDiv, kBaudDivisor);
  // The receive interrupt only wakes the core from WFI (read() below); the
  // byte itself is read by polling.
  write_reg(kCtrl, kCtrlTxEnable | kCtrlRxEnable | kCtrlRxInterrupt);
  write_reg(kNvicIser0, 1u << kUart0RxIrq);
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
    // Nothing to do until a byte or the next tick (1 ms, for lwIP's timers):
    // sleep rather than spin, so an idle guest leaves the host's CPU to the
    // ones at work. Interrupts are masked across the check so a byte that
    // lands in between still ends the WFI (a pending interrupt wakes it
    // even masked); its handler runs once they are unmasked.
    __asm__ volatile("cpsid i" ::: "memory");
    if ((read_reg(kState) & kStateRxFull) == 0) __asm__ volatile("wfi" ::: "memory");
    __asm__ volatile("cpsie i" ::: "memory");
  }
}

bool UartConsole::write(std::span<const uint8_t> data) {
  if (output_handle_ >= 0) return semihosting_write_all(output_handle_, data);
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

extern "C" void Uart0Rx_Handler() {
  // Acknowledge; read() takes the byte.
  shakedown::qemu::write_reg(shakedown::qemu::kIntClear, shakedown::qemu::kIntRx);
}
