#pragma once
// Arm semihosting (QEMU: -semihosting-config enable=on,target=native): the
// image's exit status becomes QEMU's, and diagnostics go to QEMU's stderr,
// never into the device protocol on UART0.

#include <cstdint>

namespace shakedown::qemu {

// Exit codes the host reads as "the firmware failed", not a TLS result.
enum class FatalExit : int {
  kInitFailed = 10,  // a peripheral is missing or did not answer
  kLwipAssert = 11,
  kFault = 12,        // HardFault, MemManage, BusFault, UsageFault
  kOutOfMemory = 13,  // newlib's heap exhausted
  kAbort = 14,
};

[[noreturn]] void semihosting_exit(int status);
// A NUL-terminated line to QEMU's stderr (SYS_WRITE0).
void semihosting_write(const char* text);

}  // namespace shakedown::qemu
