#include "semihosting.h"

namespace shakedown::qemu {
namespace {

constexpr uint32_t kSysOpen = 0x01;
constexpr uint32_t kSysWrite0 = 0x04;
constexpr uint32_t kSysWrite = 0x05;
constexpr uint32_t kSysGetCmdline = 0x15;
constexpr uint32_t kSysElapsed = 0x30;
constexpr uint32_t kSysTickFreq = 0x31;
constexpr uint32_t kFailed = 0xffffffff;
constexpr uint32_t kOpenReadWrite = 2;  // "r+": no O_CREAT, no O_TRUNC
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

bool semihosting_command_line(std::span<char> out) {
  if (out.empty()) return false;
  uint32_t block[2] = {reinterpret_cast<uintptr_t>(out.data()), static_cast<uint32_t>(out.size())};
  return call(kSysGetCmdline, block) == 0 && block[1] < out.size();
}

int semihosting_open_existing(const char* path, uint32_t length) {
  const uint32_t block[3] = {reinterpret_cast<uintptr_t>(path), kOpenReadWrite, length};
  return static_cast<int>(call(kSysOpen, block));
}

bool semihosting_write_all(int handle, std::span<const uint8_t> data) {
  const uint32_t block[3] = {static_cast<uint32_t>(handle), reinterpret_cast<uintptr_t>(data.data()),
                             static_cast<uint32_t>(data.size())};
  return call(kSysWrite, block) == 0;  // the number of bytes NOT written
}

std::optional<uint64_t> semihosting_elapsed_ticks() {
  uint32_t block[2] = {0, 0};  // low word, high word
  if (call(kSysElapsed, block) != 0) return std::nullopt;
  return (uint64_t{block[1]} << 32) | block[0];
}

uint64_t semihosting_tick_frequency() {
  const uint32_t hz = call(kSysTickFreq, nullptr);
  return hz == kFailed ? 0 : hz;
}

}  // namespace shakedown::qemu
