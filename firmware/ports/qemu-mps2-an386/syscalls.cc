// newlib's system calls for the firmware. Nothing here has a file system or
// a terminal: the UART belongs to the device protocol, so stray printf output
// goes to QEMU's stderr through semihosting instead of corrupting frames.

#include <sys/stat.h>
#include <sys/time.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "semihosting.h"

extern "C" {
extern char __newlib_heap_start, __newlib_heap_end;

// The heap newlib's malloc grows into, bounded by the linker script: running
// out is reported (ENOMEM), never a silent overwrite of the stack.
void* _sbrk(ptrdiff_t increment) {
  static char* brk = &__newlib_heap_start;
  if (increment > &__newlib_heap_end - brk || increment < &__newlib_heap_start - brk) {
    errno = ENOMEM;
    return reinterpret_cast<void*>(-1);
  }
  char* previous = brk;
  brk += increment;
  return previous;
}

int _write(int, const char* data, int size) {
  // SYS_WRITE0 wants a NUL-terminated string: send bounded pieces.
  char piece[65];
  int done = 0;
  while (done < size) {
    int n = size - done < 64 ? size - done : 64;
    for (int i = 0; i < n; ++i) piece[i] = data[done + i] != '\0' ? data[done + i] : ' ';
    piece[n] = '\0';
    shakedown::qemu::semihosting_write(piece);
    done += n;
  }
  return size;
}

int _read(int, char*, int) {
  errno = ENOSYS;
  return -1;
}

int _close(int) {
  return -1;
}

int _lseek(int, int, int) {
  return 0;
}

int _fstat(int, struct stat* st) {
  st->st_mode = S_IFCHR;
  return 0;
}

int _isatty(int) {
  return 1;
}

// Mbed TLS's default time hook names time(); the core replaces the hook with
// its Clock seam before any use, so this only has to say "no clock".
int _gettimeofday(struct timeval*, void*) {
  errno = ENOSYS;
  return -1;
}

int _getpid() {
  return 1;
}

int _kill(int, int) {
  errno = EINVAL;
  return -1;
}

void _exit(int status) {
  shakedown::qemu::semihosting_exit(status);
}

void abort() {
  shakedown::qemu::semihosting_write("shakedown: abort\n");
  shakedown::qemu::semihosting_exit(static_cast<int>(shakedown::qemu::FatalExit::kAbort));
}
}
