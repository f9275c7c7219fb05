// Boot for mps2-an386 (Cortex-M4): the vector table QEMU reads at 0x0, and
// the reset handler that sets up C/C++ before main(). Every fault ends the
// run through semihosting with an exit status the host reads as a firmware
// failure, so a crash is never mistaken for a silent target.

#include <cstdint>
#include <cstring>

#include "semihosting.h"
#include "stack_meter.h"

extern "C" {
extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end, __stack_top;
void __libc_init_array();
int main();
void Reset_Handler();
void SysTick_Handler();
void Uart0Rx_Handler();
// newlib's __libc_init_array calls _init (crti.o's, which -nostartfiles leaves out).
void _init() {}
}

namespace {

using shakedown::qemu::FatalExit;

[[noreturn]] void on_fault() {
  shakedown::qemu::semihosting_write("shakedown: CPU fault\n");
  shakedown::qemu::semihosting_exit(static_cast<int>(FatalExit::kFault));
}

[[noreturn]] void on_unexpected_interrupt() {
  shakedown::qemu::semihosting_write("shakedown: unexpected interrupt\n");
  shakedown::qemu::semihosting_exit(static_cast<int>(FatalExit::kFault));
}

using Handler = void (*)();
constexpr int kExternalInterrupts = 32;  // the board's IRQs; only UART0's receive one is enabled

struct VectorTable {
  const void* initial_sp;
  Handler handlers[15 + kExternalInterrupts];
};

}  // namespace

extern "C" void Reset_Handler() {
  std::memcpy(&__data_start, &__data_load,
              static_cast<size_t>(reinterpret_cast<char*>(&__data_end) - reinterpret_cast<char*>(&__data_start)));
  std::memset(&__bss_start, 0,
              static_cast<size_t>(reinterpret_cast<char*>(&__bss_end) - reinterpret_cast<char*>(&__bss_start)));
  shakedown::cortex_m::paint_stack();
  __libc_init_array();
  main();
  shakedown::qemu::semihosting_exit(0);
}

__attribute__((section(".isr_vector"), used)) const VectorTable vector_table = {
    &__stack_top,
    {
        Reset_Handler,
        on_fault,  // NMI
        on_fault,  // HardFault
        on_fault,  // MemManage
        on_fault,  // BusFault
        on_fault,  // UsageFault
        nullptr,
        nullptr,
        nullptr,
        nullptr,
        on_unexpected_interrupt,  // SVCall
        on_unexpected_interrupt,  // DebugMonitor
        nullptr,
        on_unexpected_interrupt,  // PendSV
        SysTick_Handler,
        // External interrupts: UART0 receive (it wakes the idle console);
        // the others are disabled, and one arriving is a bug.
        Uart0Rx_Handler,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
        on_unexpected_interrupt,
    },
};
