#include "usart3_console.h"

#include <array>

#include "clocks.h"
#include "stm32f429.h"

namespace shakedown::nucleo {
namespace {

constexpr uintptr_t kBase = 0x40004800;
constexpr uintptr_t kSr = kBase + 0x00, kDr = kBase + 0x04, kBrr = kBase + 0x08, kCr1 = kBase + 0x0c;
constexpr uint32_t kSrOre = 1u << 3, kSrRxne = 1u << 5, kSrTxe = 1u << 7;
constexpr uint32_t kCr1Re = 1u << 2, kCr1Te = 1u << 3, kCr1Rxneie = 1u << 5, kCr1Ue = 1u << 13;
constexpr unsigned kIrq = 39;
constexpr unsigned kTxPin = 8, kRxPin = 9;  // on port D
constexpr uint32_t kAf7 = 7;
// A UART never closes; a host that stops draining it for this long is gone.
constexpr uint32_t kTxStallMs = 2'000;

// Single producer (the interrupt), single consumer (read): indices only
// ever advance, each written by one side.
std::array<uint8_t, 2048> ring;
volatile uint32_t head = 0, tail = 0, lost = 0;

}  // namespace

Usart3Console::Usart3Console(core::Clock& clock, lwip::NetworkPoller& idle) : clock_(clock), idle_(idle) {
  set_bits(rcc::kAhb1Enr, rcc::kGpioD);
  set_bits(rcc::kApb1Enr, rcc::kUsart3);
  (void)read_reg(rcc::kApb1Enr);  // RM0090: wait for the clock before touching the peripheral
  gpio::set_alternate(gpio::kPortD, kTxPin, kAf7);
  gpio::set_alternate(gpio::kPortD, kRxPin, kAf7);
  // 16x oversampling: USARTDIV = f_APB1 / baud, rounded; in BRR as 12.4 fixed point.
  write_reg(kBrr, (kApb1ClockHz + kConsoleBaud / 2) / kConsoleBaud);
  write_reg(kCr1, kCr1Ue | kCr1Te | kCr1Re | kCr1Rxneie);
  nvic::enable(kIrq);
}

uint32_t Usart3Console::dropped() {
  return lost;
}

core::IoResult Usart3Console::read(std::span<uint8_t> out, uint32_t timeout_ms) {
  const uint64_t deadline = clock_.monotonic_ms() + timeout_ms;
  for (;;) {
    size_t n = 0;
    while (n < out.size() && tail != head) {
      out[n++] = ring[tail % ring.size()];
      __asm__ volatile("" ::: "memory");  // the byte is read before its slot is given back
      tail = tail + 1;
    }
    if (n > 0) return core::IoResult::moved(n);
    if (clock_.monotonic_ms() >= deadline) return core::IoResult::failed(core::IoStatus::kTimedOut);
    idle_.poll();
  }
}

bool Usart3Console::write(std::span<const uint8_t> data) {
  for (uint8_t byte : data) {
    const uint64_t deadline = clock_.monotonic_ms() + kTxStallMs;
    while ((read_reg(kSr) & kSrTxe) == 0) {
      if (clock_.monotonic_ms() >= deadline) return false;
    }
    write_reg(kDr, byte);
  }
  return true;
}

}  // namespace shakedown::nucleo

extern "C" void USART3_IRQHandler() {
  using namespace shakedown::nucleo;
  // Reading SR then DR clears RXNE and ORE alike (RM0090 30.6.1).
  const uint32_t status = read_reg(kSr);
  if ((status & (kSrRxne | kSrOre)) == 0) return;
  const auto byte = static_cast<uint8_t>(read_reg(kDr));
  if ((status & kSrOre) != 0) lost = lost + 1;
  if ((status & kSrRxne) == 0) return;
  if (head - tail >= ring.size()) {
    lost = lost + 1;
    return;
  }
  ring[head % ring.size()] = byte;
  __asm__ volatile("" ::: "memory");  // the byte is stored before the reader can see it
  head = head + 1;
}
