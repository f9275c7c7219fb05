#include "semihosting.h"

namespace shakedown::qemu {
namespace {

constexpr uint32_t kSysWrite0 = 0x04;
constexpr uint32_t kSysExitExtended = 0x20;
constexpr uint32_t kApplicationExit = 0x20026;  // ADP_Stopped_ApplicationExit

uint32_t call(uint32_t op, const void* arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

}  // namespace

void semihosting_exit(int status) {
  // SYS_EXIT_EXTENDED carries the status itself; plain SYS_EXIT on 32-bit
  // Arm could only say "success" or "failure".
  const uint32_t block[2] = {kApplicationExit, static_cast<uint32_t>(status)};
  call(kSysExitExtended, block);
  for (;;) {
  }
}

void semihosting_write(const char* text) {
  call(kSysWrite0, text);
}

}  // namespace shakedown::qemu
