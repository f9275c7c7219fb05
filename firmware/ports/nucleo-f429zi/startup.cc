// Boot for the STM32F429ZI: the vector table at the start of flash (the
// boot pins map it to 0x0) and the reset handler that sets up C/C++ before
// main(). A fault or a stray interrupt halts the core in halt_on_fault(),
// where a debugger finds it; the host sees a silent target, an
// infrastructure error, never a result.

#include <cstdint>
#include <cstring>

extern "C" {
extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end, __ccm_bss_start, __ccm_bss_end,
    __stack_top;
void __libc_init_array();
int main();
void Reset_Handler();
void SysTick_Handler();
void USART3_IRQHandler();
// newlib's __libc_init_array calls _init (crti.o's, which -nostartfiles leaves out).
void _init() {}

// Named so a debugger's backtrace says what happened.
[[noreturn]] __attribute__((noinline)) void halt_on_fault() {
  __asm__ volatile("cpsid i");
  for (;;) __asm__ volatile("wfi");
}
[[noreturn]] __attribute__((noinline)) void halt_on_unexpected_interrupt() {
  __asm__ volatile("cpsid i");
  for (;;) __asm__ volatile("wfi");
}
}

namespace {

using Handler = void (*)();
// STM32F42x/43x: 91 external interrupts (RM0090 table 62, positions 0-90).
constexpr int kExternalInterrupts = 91;
constexpr int kUsart3Irq = 39;

struct VectorTable {
  const void* initial_sp;
  Handler handlers[15 + kExternalInterrupts];
};

constexpr VectorTable make_vector_table() {
  VectorTable table{&__stack_top, {}};
  table.handlers[0] = Reset_Handler;
  for (int i = 1; i <= 5; ++i) table.handlers[i] = halt_on_fault;  // NMI, HardFault, MemManage, BusFault, UsageFault
  table.handlers[10] = halt_on_unexpected_interrupt;               // SVCall
  table.handlers[11] = halt_on_unexpected_interrupt;               // DebugMonitor
  table.handlers[13] = halt_on_unexpected_interrupt;               // PendSV
  table.handlers[14] = SysTick_Handler;
  for (int i = 0; i < kExternalInterrupts; ++i) table.handlers[15 + i] = halt_on_unexpected_interrupt;
  table.handlers[15 + kUsart3Irq] = USART3_IRQHandler;
  return table;
}

void zero(uint32_t* start, uint32_t* end) {
  std::memset(start, 0, static_cast<size_t>(reinterpret_cast<char*>(end) - reinterpret_cast<char*>(start)));
}

}  // namespace

extern "C" void Reset_Handler() {
  std::memcpy(&__data_start, &__data_load,
              static_cast<size_t>(reinterpret_cast<char*>(&__data_end) - reinterpret_cast<char*>(&__data_start)));
  zero(&__bss_start, &__bss_end);
  zero(&__ccm_bss_start, &__ccm_bss_end);
  __libc_init_array();
  main();
  halt_on_fault();
}

__attribute__((section(".isr_vector"), used)) constexpr VectorTable vector_table = make_vector_table();
