// The newlib system calls that are this board's own (the rest are
// ports/cortex-m's). USART3 belongs to the device protocol and there is no
// debugger to semihost to (a semihosting call without one is a HardFault),
// so stray printf output is dropped, and an exit or abort halts the core.

extern "C" {
[[noreturn]] void halt_on_fault();

int _write(int, const char*, int size) {
  return size;
}

void _exit(int) {
  halt_on_fault();
}

void abort() {
  halt_on_fault();
}
}
