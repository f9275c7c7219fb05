#pragma once
// Arm semihosting (QEMU: -semihosting-config enable=on,target=native): the
// image's exit status becomes QEMU's, and diagnostics go to QEMU's stderr,
// never into the device protocol. It also carries the agent's output when
// the host offers a pipe for it (see UartConsole).

#include <cstdint>
#include <optional>
#include <span>

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

// The image's command line as the host gave it (-semihosting-config
// arg=...), NUL-terminated in `out`; false if there is none or it does not fit.
bool semihosting_command_line(std::span<char> out);
// Opens an existing host file for writing, never creating one (mode "r+"):
// a pipe the host made. -1 if it is not there.
int semihosting_open_existing(const char* path, uint32_t length);
// Writes all of `data` to a handle from semihosting_open_existing; false if
// the host took less (it has gone).
bool semihosting_write_all(int handle, std::span<const uint8_t> data);

// The host's elapsed time in its ticks (SYS_ELAPSED), nullopt if it cannot
// tell; and how many ticks make a second (SYS_TICKFREQ), 0 if unknown.
std::optional<uint64_t> semihosting_elapsed_ticks();
uint64_t semihosting_tick_frequency();

}  // namespace shakedown::qemu
